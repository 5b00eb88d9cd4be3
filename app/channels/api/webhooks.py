"""/api/v1/webhook: a partner token sets, reads and removes the URL its status-change webhooks go to."""
from __future__ import annotations

from flask import Response

from app.channels.api import bp
from app.channels.api.auth import current_actor, token_required
from app.channels.api.inputs import json_body
from app.clock import isoformat_z
from app.extensions import db_session, now
from app.services.messaging import partner_webhooks


def _shape(hook, secret: str | None = None) -> dict:
    body = {"url": hook.url, "active": hook.active, "created_at": isoformat_z(hook.created_at),
            "updated_at": isoformat_z(hook.updated_at), "signature_header": partner_webhooks.SIGNATURE_HEADER,
            "events": list(partner_webhooks.STATUS_EVENTS)}
    if secret is not None:
        body["secret"] = secret
    return body


@bp.get("/webhook")
@token_required("partner")
def get_webhook():
    return _shape(partner_webhooks.get(db_session(), current_actor().id))


@bp.put("/webhook")
@token_required("partner")
def put_webhook():
    body = json_body()
    hook, secret = partner_webhooks.set_webhook(
        db_session(), now(), token_id=current_actor().id, url=body.get("url"),
        active=body.get("active", True), rotate_secret=body.get("rotate_secret") is True,
    )
    return _shape(hook, secret)


@bp.delete("/webhook")
@token_required("partner")
def delete_webhook():
    partner_webhooks.remove_webhook(db_session(), now(), token_id=current_actor().id)
    return Response(status=204)
