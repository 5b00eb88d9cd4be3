"""Delivery states of staff alerts in plain words, shared by the complaint page and the dashboard."""
from __future__ import annotations

from flask_babel import gettext as _


def delivery_words() -> dict:
    """A delivery state in plain words for staff (Indonesian: dibaca, diterima, terkirim, menunggu, gagal)."""
    return {"read": _("read by the recipient"), "delivered": _("delivered to the phone"),
            "sent": _("accepted by the provider, no delivery report yet"), "waiting": _("waiting to be sent"),
            "retrying": _("waiting, to be retried after an error"), "moved": _("failed, went on by"),
            "failed": _("failed: not delivered")}
