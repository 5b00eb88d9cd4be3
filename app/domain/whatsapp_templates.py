"""WhatsApp's rules as plain functions: the 24-hour window, the approved templates every
business-initiated message needs (generated from the message catalogues, so a reworded text is a
new template to submit), and which Twilio error codes mean WhatsApp refused for good."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.i18n import LANGUAGES, catalogue

WINDOW = timedelta(hours=24)
CATEGORY = "UTILITY"  # Meta's category for updates about something the recipient started
NAME_PREFIX = "sigap_"
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")

# Quick-reply buttons: the payload (what comes back as ButtonPayload) is the same in every language.
CONFIRM_BUTTONS = {"id": (("YA", "YA"), ("TIDAK", "TIDAK")), "en": (("YES", "YA"), ("NO", "TIDAK"))}
STAFF_OK_BUTTON = {"id": (("OK", "OK"),), "en": (("OK", "OK"),)}
# The satisfaction question (SKM's 4-point scale): a tap sends the digit, read as a typed one is.
SURVEY_BUTTONS = {"id": (("1 Tidak puas", "1"), ("2 Kurang puas", "2"), ("3 Puas", "3"), ("4 Sangat puas", "4")),
                  "en": (("1 Not satisfied", "1"), ("2 Dissatisfied", "2"), ("3 Satisfied", "3"),
                         ("4 Very satisfied", "4"))}

# Every message Sigap may send on WhatsApp outside a conversation, with its buttons.
CITIZEN_KEYS = ("core.receipt", "core.receipt_triage", "core.acknowledged", "core.transferred", "core.handled",
                "core.resolved", "core.reopened", "core.rejected", "core.late", "survey.ask_digits")
STAFF_KEYS = ("core.staff.new", "core.staff.assigned", "core.staff.triage", "core.staff.reopened",
              "core.staff.remind", "core.staff.warn", "core.staff.breach", "core.staff.escalate",
              "core.staff.triage_remind", "core.staff.triage_breach", "core.staff.verify_code")
BUTTONS = {"core.handled": CONFIRM_BUTTONS, "core.resolved": {"id": (("TIDAK", "TIDAK"),), "en": (("NO", "TIDAK"),)},
           "survey.ask_digits": SURVEY_BUTTONS,
           **{key: STAFF_OK_BUTTON for key in ("core.staff.new", "core.staff.assigned", "core.staff.remind",
                                               "core.staff.warn", "core.staff.breach", "core.staff.escalate")}}
TEMPLATE_KEYS = CITIZEN_KEYS + STAFF_KEYS
# Meta reviews a one-time code as an AUTHENTICATION template, everything else as UTILITY.
CATEGORIES = {"core.staff.verify_code": "AUTHENTICATION"}
# Messages whose point is a tap: sent as their approved template (the only way WhatsApp shows more
# than three buttons) inside the 24-hour window too, once the template has a content SID.
TEMPLATE_EVEN_IN_WINDOW = ("survey.ask_digits",)

# Twilio codes by which WhatsApp refuses a message for good: try the recipient's next channel.
# 63016 outside the window, 63024 invalid recipient, 63032 WhatsApp limitation for this user,
# 63049 Meta chose not to deliver, 63003 no WhatsApp at this number, 63112 business account restricted,
# 21655/21656 our template or its variables are wrong (no retry fixes them), 21408/21612 not routable.
REFUSALS = {63016, 63024, 63032, 63049, 63003, 63112, 21655, 21656, 21408, 21612}

_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    key: str  # the catalogue key
    name: str  # what Meta knows it by: sigap_core_staff_breach
    language: str
    category: str
    body: str  # with {{1}}, {{2}} ...
    variables: tuple[str, ...]  # the catalogue placeholder behind {{1}}, {{2}} ...
    buttons: tuple[tuple[str, str], ...]  # (title, payload)

    def content_variables(self, values: dict) -> dict[str, str]:
        """The ContentVariables for this send: {"1": ..., "2": ...}; WhatsApp refuses empty ones."""
        return {str(n): (str(values.get(field, "")).strip() or "-")[:200]
                for n, field in enumerate(self.variables, 1)}

    def api_payload(self) -> dict:
        """The body of Twilio's Content API `POST /v1/Content` for this template."""
        samples = {str(n): f"<{field}>" for n, field in enumerate(self.variables, 1)}
        if self.buttons:
            types = {"twilio/quick-reply": {"body": self.body,
                                            "actions": [{"title": t, "id": p} for t, p in self.buttons]},
                     "twilio/text": {"body": self.body}}
        else:
            types = {"twilio/text": {"body": self.body}}
        return {"friendly_name": f"{self.name}_{self.language}", "language": self.language,
                "variables": samples, "types": types}


def template_name(key: str) -> str:
    return NAME_PREFIX + key.replace(".", "_")


def build(key: str, language: str) -> Template:
    """The template of catalogue text `key` in `language`: placeholders numbered by first use."""
    text = catalogue()[key][language]
    order: list[str] = []

    def number(match: re.Match) -> str:
        field = match.group(1)
        if field not in order:
            order.append(field)
        return "{{%d}}" % (order.index(field) + 1)

    body = _FIELD.sub(number, text)
    # Meta refuses a body that ends with a variable.
    if body.endswith("}}"):
        body += "."
    buttons = BUTTONS.get(key, {}).get(language, ())
    return Template(key, template_name(key), language, CATEGORIES.get(key, CATEGORY), body, tuple(order), tuple(buttons))


def all_templates() -> list[Template]:
    return [build(key, language) for key in TEMPLATE_KEYS for language in LANGUAGES]


def has_template(key: str) -> bool:
    return key in TEMPLATE_KEYS


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """True while free text may go: the recipient wrote within the last 24 hours."""
    return last_inbound_at is not None and now - last_inbound_at < WINDOW


def is_refusal(code) -> bool:
    try:
        return int(str(code).strip()) in REFUSALS
    except (TypeError, ValueError):
        return False
