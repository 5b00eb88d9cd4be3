"""What the hostile-input sweep sends, and the little it cannot learn from the app itself.

The sweep discovers the staff pages from `app.url_map`, the query parameters and form fields each
view reads (recorded while it runs), the forms from the rendered HTML and the API from its OpenAPI
document. STAFF_PAGES says who opens each staff page and what its path holds; a staff route missing
here fails the sweep, so a new page cannot slip past it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

DEEP = 3000  # JSON nesting that overflows a recursive parser


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def deep_object(depth: int = DEEP) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# Values for query parameters and form fields. bytes go as they are (percent-encoded): the UTF-8-style
# encoding of a lone surrogate. A tuple is the field sent twice (a list).
LONG = "x" * 100_000
TEXT_VALUES: list = [
    "a\x00b", b"\xed\xa0\x80", "10" + "0" * 29, str(2 ** 63), "-1", "\u00b2", "NaN", "1e309", "0001-01-01",
    "9999-12-31", "9999-12-31T23:59:59Z", "../../etc/passwd", "<script>alert(1)</script>", "", LONG, ("1", "\x00"),
]
# A query string travels in the request line: a proxy refuses one far longer than this.
QUERY_VALUES: list = [v for v in TEXT_VALUES if v is not LONG] + ["x" * 8_000, "%00"]

# JSON values for API fields (json.dumps with allow_nan writes NaN and Infinity, which Python reads).
JSON_VALUES: list = [
    "a\x00b", "\ud800", "10" + "0" * 29, "0001-01-01", "0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59Z",
    "../../etc/passwd", "<script>alert(1)</script>", "", LONG, 10 ** 30, 2 ** 63, -1, 1.5, float("nan"),
    float("inf"), True, None, ["x", 1], {"a": {"b": 1}},
]
# Raw bodies for every JSON endpoint: nesting, wrong types and wrong content types.
RAW_BODIES: list[tuple[str, bytes]] = [
    ("application/json", deep_json().encode()),
    ("application/json", deep_object().encode()),
    ("application/json", b"[1, 2]"),
    ("application/json", b'"text"'),
    ("application/json", b"null"),
    ("application/json", b"{"),
    ("application/json", b'{"a": "\\ud800"}'),
    ("application/json", b"\xff\xfe{}"),
    ("application/json", b"NaN"),
    ("text/plain", b'{"action": "acknowledge"}'),
    ("application/x-www-form-urlencoded", b"action=acknowledge&note=%00"),
    ("application/xml", b"<a>1</a>"),
]


@dataclass(frozen=True)
class Page:
    """A staff page: the role that opens it, its path values, and parameters the view reads only
    on some paths (the ones read on a plain visit are recorded)."""

    role: str | None
    path: dict = field(default_factory=dict)
    extra: tuple[str, ...] = ()


TICKET = "{ticket}"  # the test's complaint
CONTRACT = "{contract}"  # a seeded performance contract
PERFORMANCE = ("period", "group_by", "jurisdiction")
STAFF_PAGES: dict[str, Page] = {
    "web.home": Page("officer"),
    "auth.signin": Page(None, extra=("next",)),
    "dashboard.dashboard": Page("supervisor"),
    "dashboard.data": Page("supervisor", extra=("map",)),
    "dashboard.triage": Page("supervisor"),
    "workspace.queue": Page("officer"),
    "workspace.complaint": Page("officer", {"ticket": TICKET}),
    "workspace.complaint_file": Page("officer", {"ticket": TICKET, "ref": "nothing-of-this-complaint"}),
    "workspace.counter": Page("officer"),
    "sms_demo.citizen": Page("supervisor", extra=("phone", "style", "error")),
    "performance.report_page": Page("admin", extra=PERFORMANCE),
    "performance.report_csv": Page("admin", extra=PERFORMANCE),
    "performance.trend_csv": Page("admin", extra=PERFORMANCE),
    "performance.histogram_csv": Page("admin", extra=PERFORMANCE),
    "performance.districts_csv": Page("admin", extra=PERFORMANCE),
    "performance.districts_page": Page("admin", extra=PERFORMANCE),
    "performance.districts_report_csv": Page("admin", extra=PERFORMANCE),
    "performance.contracts": Page("admin"),
    "performance.contract_page": Page("official", {"contract_id": CONTRACT}),
    "performance.contract_print": Page("admin", {"contract_id": CONTRACT}),
    "performance.contract_breaches_csv": Page("admin", {"contract_id": CONTRACT}),
    "performance.contract_review_csv": Page("admin", {"contract_id": CONTRACT}),
    "settings.index": Page("admin"),
    "settings.agencies": Page("admin"),
    "settings.policies_page": Page("admin"),
    "settings.users": Page("admin"),
    "settings.tokens": Page("admin"),
    "settings.posts_page": Page("admin"),
    "settings.whatsapp_templates": Page("admin"),
    "settings.contacts_page": Page("admin"),
    "settings.contacts_export": Page("admin", extra=("jurisdiction",)),
}
# Static files: their one parameter is the file name (hostile names are tried on it).
STATIC_ENDPOINTS = ("web.static", "performance.static", "sms_demo.static")
# Hostile values for path segments (ticket, agency code, file name, contract and rule ids).
PATH_VALUES = ["%00", "%ED%A0%80", "..%2F..%2Fetc%2Fpasswd", "10" + "0" * 29, str(2 ** 63), "-1", "0",
               "%3Cscript%3E", "x" * 2000, "BWI-2026-%00"]
# Values that make a form valid where the page leaves a field empty, so that each hostile value meets
# the code behind the first check: endpoint (or "endpoint:action") -> field -> value.
FORM_FILL: dict[str, dict[str, str]] = {
    "settings.create_agency": {"jurisdiction": "banyuwangi", "code": "bwi-baru", "name": "Dinas Baru",
                               "head_name": "Ibu Ani", "head_title": "Kepala Dinas", "duty_phone": "0333424242"},
    "settings.add_rule": {"jurisdiction": "banyuwangi", "category": "hunger", "district": "35.10.19",
                          "agency": "bwi-dinsos"},
    "settings.policies_page": {"jurisdiction": "banyuwangi", "effective_date": "2027-01-01", "effective_time": "00:00",
                               "handle_minutes": "120", "acknowledge_minutes": "30", "note": "Perbup"},
    "settings.tokens": {"role": "partner", "name": "Mitra", "jurisdiction": "banyuwangi"},
    "settings.posts_page": {"jurisdiction": "banyuwangi", "kind": "camat", "post": "camat:banyuwangi:35.10.03",
                            "name": "Camat Baru", "title": "Camat", "from_date": "2026-11-01", "from_time": "08:00"},
    "settings.whatsapp_templates": {"name": "sigap_core_receipt", "language": "id",
                                    "content_sid": "HX" + "0" * 32},
    "settings.contacts_add": {"jurisdiction": "banyuwangi", "level": "piket", "agency": "bwi-dinsos", "name": "Eko",
                              "phone": "081234567895", "channels": "sms", "days": "Sen-Jum", "hours": "20:00-08:00",
                              "holidays": "ya"},
    "settings.users": {"username": "petugas.baru", "name": "Petugas Baru", "role": "officer",
                       "password": "kata-sandi-panjang-2026", "agency": "bwi-dinsos", "email": "a@b.id",
                       "phone": "081234567899"},
    "workspace.counter": {"jurisdiction": "banyuwangi", "category": "hunger", "description": "Lansia tidak makan",
                          "district": "Glagah", "received_date": "2026-11-23", "received_time": "08:30",
                          "channel": "counter", "reporter_name": "Pak Budi", "reporter_phone": "081234567891",
                          "reporter_language": "id"},
    "performance.create_contract": {"official": "head.dinsos", "period": "2027-Q1", "on_time_rate": "90"},
    "workspace.act:assign": {"assignee": "officer.dinsos"},
    "workspace.act:handle": {"note": "Beras 10 kg diantar"},
    "workspace.act:transfer": {"agency": "bwi-dinkes"},
    "workspace.act:link_repeat": {"of_ticket": "{other}"},
    "workspace.act:reject": {"reason": "duplicate", "duplicate_of": "{other}"},
}
# Forms never swept: signing out ends the browser's session, which every later request needs.
UNSWEPT_FORMS = ("web.signout",)

# Open311 GeoReport v2 fields (POST requests and GET requests); no machine-readable document exists.
OPEN311_POST_FIELDS = ("service_code", "lat", "long", "address_string", "address_id", "description", "phone",
                       "email", "first_name", "last_name", "media_url", "jurisdiction_id", "device_id",
                       "account_id", "locale", "attribute[people_count]", "attribute[can_walk]", "attribute[x][]",
                       "confidentiality")
OPEN311_GET_FIELDS = ("service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id",
                      "locale")
# Twilio's inbound SMS / WhatsApp form and its status callback.
TWILIO_SMS_FIELDS = ("MessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "OptOutType", "MediaUrl0",
                     "MediaContentType0", "Latitude", "Longitude", "ButtonPayload", "ButtonText")
TWILIO_STATUS_FIELDS = ("MessageSid", "MessageStatus", "ErrorCode")


# API fields the sweep leaves to a test of their own (none today).
ANSWERED_ELSEWHERE: dict = {}  # (operation, field) -> why the sweep skips it; empty: nothing is skipped


def json_text(value) -> str:
    return json.dumps(value, allow_nan=True)
