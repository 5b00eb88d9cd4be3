"""The OpenAPI 3 document of /api/v1, served at /api/v1/openapi.json (a test keeps it complete)."""
from __future__ import annotations

from app.channels.api import bp

ERROR = {"$ref": "#/components/schemas/Error"}
TIME = {"type": "string", "format": "date-time", "example": "2026-11-23T02:00:00Z"}
NTIME = {"type": ["string", "null"], "format": "date-time"}
REF = {"type": ["object", "null"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}


def _errors(*codes: int) -> dict:
    text = {400: "Bad request", 401: "Missing or invalid token", 403: "Token not allowed here",
            404: "Not found (or not visible to this token)",
            409: "Illegal transition, or a request with the same Idempotency-Key is still running",
            413: "Body too large", 415: "Not JSON",
            422: "Validation failed (or an Idempotency-Key reused with a different body)",
            429: "Rate limited: wait Retry-After seconds"}
    responses = {str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR}}} for c in codes}
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": {
            "description": "seconds until this token may call again", "schema": {"type": "integer", "minimum": 1}}}
    return responses


REPLAYED = {"Idempotent-Replayed": {
    "description": "true when this is the stored answer to an earlier request with the same Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]}}}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"},
    "example": "7f1c9a52-3a0e-4f7e-9d52-6a7b1d0c2e11",
    "description": "Send a fresh key (a UUID) with each new submission and the same key when retrying it: "
                   "the retry gets the first response (header Idempotent-Replayed: true) and nothing is done "
                   "twice. The same key with a different body is refused with 422; while the first request is "
                   "still running a retry gets 409. Keys are remembered for 24 hours; a failed request (4xx) "
                   "frees its key.",
}


def _ok(schema: dict, description: str = "OK", example: dict | None = None) -> dict:
    content = {"schema": schema}
    if example:
        content["example"] = example
    return {"description": description, "content": {"application/json": content}}


TICKET = {"name": "ticket", "in": "path", "required": True, "schema": {"type": "string"}, "example": "BWI-2026-000123"}

COMPLAINT_EXAMPLE = {
    "ticket": "BWI-2026-000123", "status": "assigned", "jurisdiction": "banyuwangi", "category": "hunger",
    "description": "Seorang lansia tidak makan sejak kemarin", "district": {"code": "35.10.05", "name": "Genteng"},
    "village": None, "address": None, "lat": None, "lon": None, "channel": "api",
    "reporter": {"name": "Siti", "phone": "+6281234567890", "telegram_chat_id": None},
    "agency": {"code": "bwi-dinsos", "name": "Dinas Sosial"}, "assignee": None,
    "received_at": "2026-11-23T02:00:00Z", "triage_due_at": None, "ack_due_at": "2026-11-23T02:30:00Z",
    "handle_due_at": "2026-11-23T06:00:00Z", "acknowledged_at": None, "handled_at": None, "resolved_at": None,
    "closed_at": None, "rejected_at": None, "reject_reason": None, "duplicate_of": None, "repeat_of": None,
    "ack_breached": False, "handle_breached": False, "reopened_count": 0, "next_step": "ack_reminder",
    "next_step_at": "2026-11-23T02:15:00Z", "breaches": [],
    "sla_policy": {"id": 1, "handle_minutes": 240, "acknowledge_minutes": 30,
                   "effective_from": "2025-12-31T17:00:00Z", "calendar": "24x7"},
}

CREATED_EXAMPLE = {**COMPLAINT_EXAMPLE, "claimed_received_at": None, "tracking_code": "7PKT-3PQS"}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}},
        "example": {"error": {"code": "validation_failed", "message": "unknown category 'x'"}},
    },
    "ComplaintCreate": {
        "type": "object", "required": ["jurisdiction", "category", "description"],
        "properties": {
            "jurisdiction": {"type": "string", "example": "banyuwangi"},
            "category": {"type": "string", "enum": ["hunger", "school_dropout", "uninhabitable_house",
                                                     "lone_elderly", "medical_care"]},
            "description": {"type": "string", "maxLength": 4000},
            "district": {"type": "string", "description": "name or Kemendagri code"},
            "village": {"type": "string", "description": "name or Kemendagri code"},
            "lat": {"type": "number", "minimum": -90, "maximum": 90, "example": -8.3712,
                    "description": "a JSON number (text, true or a list is 422), with lon; the point must lie in "
                                   "the jurisdiction (a box around its villages' centres, about 0.25 degrees "
                                   "wider; Indonesia when it has none), else 422 'the location is outside ...'"},
            "lon": {"type": "number", "minimum": -180, "maximum": 180, "example": 114.1513,
                    "description": "a JSON number, with lat; see lat"},
            "address": {"type": "string", "maxLength": 300},
            "reporter": {"type": "object", "description": (
                "who reported it. A reporter already known by this phone (else by this telegram_chat_id) is "
                "used as it is: the API never adds or changes a known reporter's contact details, name or "
                "language. A new reporter is created with the phone (else the chat id) only: an address is "
                "bound to a reporter only by the citizen writing from it."), "properties": {
                "name": {"type": "string"}, "phone": {"type": "string", "example": "081234567890"},
                "telegram_chat_id": {"type": "integer"}, "language": {"type": "string", "enum": ["id", "en"]}}},
            "confidentiality": {"type": "string", "enum": ["normal", "rahasia", "anonim"], "default": "normal",
                                "description": (
                "optional: the citizen's choice. 'rahasia' (confidential): the reporter's name and number are "
                "shown to supervisors and admins only, never to the agency's staff or partners (reporter is null "
                "for them); updates still reach the citizen. 'anonim' (anonymous): no reporter is kept at all "
                "through the API (the reporter object is ignored): the partner answers its citizen, who follows "
                "the report by ticket and tracking code. 'confidential' and 'anonymous' are accepted too.")},
            "channel": {"type": "string", "enum": ["api", "counter", "phone"], "description": (
                "follows the credential: a partner token's complaints are always 'api' (leave it out); a staff "
                "token (officer, agency_head, supervisor, admin) may also say 'counter' or 'phone' for a walk-in "
                "or phone report it enters. Anything else (telegram, sms, whatsapp, web, open311) is 422: those "
                "channels file their own reports.")},
            "received_at": {"type": "string", "format": "date-time", "description": (
                "staff tokens only: the real time a walk-in or phone report was received (past, at most 30 days "
                "ago, with a time zone); deadlines, the SLA policy and breaches run from it. From a partner token "
                "it is kept as information only (the answer's claimed_received_at, the received event's "
                "data.claimed_received_at) and deadlines run from arrival.")},
        },
        "example": {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
                    "description": "Seorang lansia tidak makan sejak kemarin",
                    "reporter": {"name": "Siti", "phone": "081234567890"}},
    },
    "Breach": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "ticket": {"type": "string"},
            "kind": {"type": "string", "enum": ["acknowledge", "handle", "triage"]},
            "agency": REF, "official": {"type": "object", "properties": {
                "id": {"type": ["integer", "null"]}, "name": {"type": ["string", "null"]}}},
            "due_at": TIME, "detected_at": TIME, "met_at": NTIME, "minutes_late": {"type": ["integer", "null"]},
            "open": {"type": "boolean"},
            "staff_notified": {"type": ["boolean", "null"]}, "notify_failed": {"type": "boolean"},
        },
    },
    "Complaint": {
        "type": "object",
        "required": ["ticket", "status", "category", "agency", "received_at", "ack_due_at", "handle_due_at",
                     "breaches", "sla_policy"],
        "properties": {
            "ticket": {"type": "string"},
            "status": {"type": "string", "enum": ["received", "triage", "assigned", "acknowledged", "handled",
                                                  "resolved", "closed", "rejected"]},
            "jurisdiction": {"type": "string"}, "category": {"type": "string"}, "description": {"type": "string"},
            "district": REF, "village": REF, "address": {"type": ["string", "null"]},
            "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]}, "channel": {"type": "string"},
            "reporter": {"type": ["object", "null"],
                         "description": "name, phone, telegram_chat_id: in full for supervisors, admins and the "
                                        "assigned officer (a token bound to that user); other staff get the phone "
                                        "masked and the name as initials, partners the masked phone only. Null "
                                        "for a confidential report except to supervisors and admins, and for an "
                                        "anonymous report to everyone"},
            "confidentiality": {"type": "string", "enum": ["normal", "rahasia", "anonim"],
                                "description": "the citizen's choice at reporting (see ComplaintCreate)"},
            "agency": REF,
            "assignee": {"type": ["object", "null"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "received_at": TIME, "triage_due_at": NTIME, "ack_due_at": TIME, "handle_due_at": TIME,
            "acknowledged_at": NTIME, "handled_at": NTIME, "resolved_at": NTIME, "closed_at": NTIME,
            "rejected_at": NTIME, "reject_reason": {"type": ["string", "null"]},
            "duplicate_of": {"type": ["string", "null"]}, "repeat_of": {"type": ["string", "null"]},
            "ack_breached": {"type": "boolean"}, "handle_breached": {"type": "boolean"},
            "reopened_count": {"type": "integer"}, "next_step": {"type": ["string", "null"]}, "next_step_at": NTIME,
            "breaches": {"type": "array", "items": {"$ref": "#/components/schemas/Breach"}},
            "sla_policy": {"type": "object", "properties": {
                "id": {"type": "integer"}, "handle_minutes": {"type": "integer"},
                "acknowledge_minutes": {"type": "integer"}, "effective_from": TIME, "calendar": {"type": "string"}}},
            "claimed_received_at": {**NTIME, "description": (
                "only in the answer to POST /complaints: the received_at a partner token sent, kept as "
                "information and never used for deadlines (received_at is the arrival); null when none was "
                "sent or when it was used (staff tokens)")},
            "tracking_code": {"type": "string", "example": "7PKT-3PQS", "description": (
                "only in the answer to POST /complaints, and only this once (Sigap keeps a hash): the short "
                "code that, with the ticket, opens the public status page (/lacak). Give it to the citizen: "
                "for an anonymous report it is their only way to follow it.")},
        },
        "example": COMPLAINT_EXAMPLE,
    },
    "ComplaintPage": {
        "type": "object", "required": ["items", "next_cursor"],
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Complaint"}},
                       "next_cursor": {"type": ["string", "null"]}},
    },
    "Event": {
        "type": "object", "description": "One event of the audit trail, as staff tokens read it.",
        "properties": {"seq": {"type": "integer"}, "kind": {"type": "string"}, "at": TIME,
                       "actor": {"type": "string"}, "note": {"type": ["string", "null"]}, "data": {"type": "object"},
                       "prev_hash": {"type": "string"}, "hash": {"type": "string"}},
    },
    "PublicEvent": {
        "type": "object", "required": ["kind", "at"],
        "description": "A status change as a partner token reads it: the kind and its time, the agency it went "
                       "to (routed, assigned to an agency, transferred) or the reason of a rejection. No notes, "
                       "actors, views, reminders, escalations, messages or hash chain.",
        "properties": {"kind": {"type": "string", "enum": ["received", "routed", "assigned", "transferred",
                                                           "acknowledged", "handled", "resolved", "reopened",
                                                           "rejected", "closed"]},
                       "at": TIME, "agency": {"type": ["string", "null"], "description": "agency code"},
                       "reason": {"type": ["string", "null"], "enum": ["spam", "duplicate", "out_of_scope", None]}},
        "additionalProperties": False,
    },
    "Action": {
        "type": "object", "required": ["action"],
        "properties": {
            "action": {"type": "string", "enum": ["acknowledge", "handle", "resolve", "reopen", "reject", "assign",
                                                  "transfer", "link_repeat", "close", "comment", "nudge"],
                       "description": "comment (a remark on the trail) and nudge (tell the agency's staff and head; "
                                      "while an agency holds it open) are what a camat may do"},
            "note": {"type": "string", "description": "required for handle and comment"},
            "evidence": {"type": "object", "description": "proof of action, for handle",
                         "properties": {
                             "photo": {"type": "string", "description": "the id answered by POST "
                                       "/complaints/{ticket}/files for a photo of this complaint; anything "
                                       "else (a path, a URL, another complaint's id) is refused with 422"},
                             "lat": {"type": "number", "description": "location check-in: a point inside "
                                     "the jurisdiction (with lon); kept with its distance from the complaint's "
                                     "place, far beyond 5 km"},
                             "lon": {"type": "number"}}},
            "reason": {"type": "string", "enum": ["spam", "duplicate", "out_of_scope"]},
            "duplicate_of": {"type": "string"}, "agency": {"type": "string"},
            "assignee": {"type": "string", "description": "username or user id"},
            "of_ticket": {"type": "string"},
        },
        "example": {"action": "handle", "note": "Petugas datang, paket sembako diberikan"},
    },
}

FILE_EXAMPLE = {"id": "q3Xv9Jd0bT1cLmA7wZp2Ks4e", "content_type": "image/jpeg", "size": 482113,
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "created_at": "2026-11-23T03:10:00Z"}
SCHEMAS["ComplaintFile"] = {
    "type": "object", "required": ["id", "content_type", "size", "sha256", "created_at"],
    "description": "A photo Sigap stored for a complaint, without its metadata (EXIF, GPS, XMP, comments).",
    "properties": {"id": {"type": "string", "description": "send it as evidence.photo of a handle action"},
                   "content_type": {"type": "string", "enum": ["image/jpeg", "image/png", "image/webp"]},
                   "size": {"type": "integer", "description": "bytes stored (after the metadata was removed)"},
                   "sha256": {"type": "string", "description": "hex digest of the stored bytes"},
                   "created_at": TIME},
    "example": FILE_EXAMPLE,
}
PHOTO_BYTES = {"type": "string", "format": "binary"}
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")

WEBHOOK_EXAMPLE = {
    "url": "https://partner.example.org/sigap/webhook", "active": True, "created_at": "2026-11-23T02:00:00Z",
    "updated_at": "2026-11-23T02:00:00Z", "signature_header": "X-Sigap-Signature",
    "events": ["assigned", "transferred", "acknowledged", "handled", "resolved", "reopened", "rejected", "closed"],
}

SCHEMAS["Webhook"] = {
    "type": "object", "required": ["url", "active", "created_at", "updated_at", "signature_header", "events"],
    "description": "Each status change of a complaint this token submitted is POSTed to url as JSON "
                   "(type complaint.status_changed) with header X-Sigap-Signature: sha256=HMAC-SHA256(secret, body) "
                   "in hex, and X-Sigap-Event-Id for de-duplication; failed deliveries are retried with backoff. "
                   "complaint.note is only the handling note the citizen is sent too, never a staff note. "
                   "Revoking the token (or removing the webhook) stops every delivery not yet made.",
    "properties": {"url": {"type": "string", "format": "uri"}, "active": {"type": "boolean"}, "created_at": TIME,
                   "updated_at": TIME, "signature_header": {"type": "string"},
                   "events": {"type": "array", "items": {"type": "string"}},
                   "secret": {"type": "string", "description": "only when new or rotated: keep it, it is shown once"}},
    "example": WEBHOOK_EXAMPLE,
}
SCHEMAS["WebhookSet"] = {
    "type": "object", "required": ["url"],
    "properties": {"url": {"type": "string", "format": "uri", "maxLength": 500, "example": WEBHOOK_EXAMPLE["url"]},
                   "active": {"type": "boolean", "default": True},
                   "rotate_secret": {"type": "boolean", "default": False}},
    "example": {"url": WEBHOOK_EXAMPLE["url"]},
}
SCHEMAS["Event"]["example"] = {
    "seq": 1, "kind": "received", "at": "2026-11-23T02:00:00Z", "actor": "token:7", "note": None,
    "data": {"channel": "api"}, "prev_hash": "0" * 64, "hash": "5d41402abc4b2a76b9719d911017c592" * 2,
}
SCHEMAS["PublicEvent"]["example"] = {"kind": "routed", "at": "2026-11-23T02:00:00Z", "agency": "bwi-dinsos"}
SCHEMAS["Breach"]["example"] = {
    "id": 1, "ticket": "BWI-2026-000123", "kind": "acknowledge", "agency": {"code": "bwi-dinsos", "name": "Dinas Sosial"},
    "official": {"id": 4, "name": "Kepala Dinas Sosial"}, "due_at": "2026-11-23T02:30:00Z",
    "detected_at": "2026-11-23T02:30:00Z", "met_at": None, "minutes_late": None, "open": True,
    "staff_notified": None, "notify_failed": False,
}

PATHS = {
    "/complaints": {
        "post": {
            "summary": "Submit a complaint",
            "description": "What a token may claim follows its role: see channel, received_at, reporter, lat and lon.",
            "operationId": "createComplaint", "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ComplaintCreate"}}}},
            "responses": {"201": {**_ok({"$ref": "#/components/schemas/Complaint"}, "Created", CREATED_EXAMPLE),
                                  "headers": {"Location": {"description": "the new complaint's URL",
                                                           "schema": {"type": "string"}},
                                              **REPLAYED}},
                          **_errors(400, 401, 403, 409, 413, 415, 422, 429)},
        },
        "get": {
            "summary": "List complaints visible to the token, newest first", "operationId": "listComplaints",
            "parameters": [
                {"name": n, "in": "query", "required": False, "schema": s, "description": d} for n, s, d in (
                    ("status", {"type": "string"}, "comma-separated statuses"),
                    ("agency", {"type": "string"}, "agency code"),
                    ("category", {"type": "string"}, "category code"),
                    ("breached", {"type": "string", "enum": ["true", "false"]}, "any deadline missed"),
                    ("jurisdiction", {"type": "string"}, "jurisdiction code"),
                    ("due_before", {"type": "string", "format": "date-time"}, "handle deadline before"),
                    ("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "page size (default 50)"),
                    ("cursor", {"type": "string"}, "next_cursor of the previous page"),
                )
            ],
            "responses": {"200": _ok({"$ref": "#/components/schemas/ComplaintPage"},
                                     example={"items": [COMPLAINT_EXAMPLE], "next_cursor": "MTIz"}),
                          **_errors(400, 401, 403, 422, 429)},
        },
    },
    "/complaints/{ticket}": {
        "get": {"summary": "One complaint", "operationId": "getComplaint", "parameters": [TICKET],
                "responses": {"200": _ok({"$ref": "#/components/schemas/Complaint"}, example=COMPLAINT_EXAMPLE),
                              **_errors(401, 403, 404, 429)}},
    },
    "/complaints/{ticket}/events": {
        "get": {"summary": "The audit trail, oldest first: all of it with its hash chain for staff tokens, "
                           "the public status changes only for partner tokens",
                "description": "Staff tokens get every event (Event) with notes, actors, data and the hash chain, "
                               "plus chain_valid and problems. A partner token gets only the status changes the "
                               "citizen hears of (PublicEvent): received, routed, assigned to an agency, "
                               "transferred, acknowledged, handled, resolved, reopened, rejected (with its reason), "
                               "closed; without notes, actors, views, reminders, escalations or messages.",
                "operationId": "getEvents", "parameters": [TICKET],
                "responses": {"200": _ok({"type": "object", "required": ["ticket", "items"], "properties": {
                    "ticket": {"type": "string"}, "chain_valid": {"type": "boolean", "description": "staff only"},
                    "problems": {"type": "array", "items": {"type": "string"}, "description": "staff only"},
                    "items": {"type": "array", "items": {"anyOf": [{"$ref": "#/components/schemas/Event"},
                                                                   {"$ref": "#/components/schemas/PublicEvent"}]}}}}),
                    **_errors(401, 403, 404, 429)}},
    },
    "/complaints/{ticket}/actions": {
        "post": {"summary": "Act on a complaint (acknowledge, handle, resolve, reopen, reject, assign, ...)",
                 "operationId": "actOnComplaint", "parameters": [TICKET, IDEMPOTENCY_KEY],
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"$ref": "#/components/schemas/Action"}}}},
                 "responses": {"200": {**_ok({"$ref": "#/components/schemas/Complaint"}, example=COMPLAINT_EXAMPLE),
                                       "headers": REPLAYED},
                               **_errors(400, 401, 403, 404, 409, 413, 415, 422, 429)}},
    },
    "/complaints/{ticket}/files": {
        "post": {"summary": "Upload an evidence photo for handling the complaint (at most 8 MB); its metadata is "
                            "removed and its id goes in the handle action's evidence.photo",
                 "operationId": "uploadComplaintFile", "parameters": [TICKET],
                 "requestBody": {"required": True, "content": {
                     **{t: {"schema": PHOTO_BYTES} for t in PHOTO_TYPES},
                     "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                        "properties": {"file": PHOTO_BYTES}}}}},
                 "responses": {"201": {**_ok({"$ref": "#/components/schemas/ComplaintFile"}, "Stored", FILE_EXAMPLE),
                                       "headers": {"Location": {"description": "where the photo is read back",
                                                                "schema": {"type": "string"}}}},
                               **_errors(400, 401, 403, 404, 409, 413, 422, 429),
                               "415": {"description": "Not a JPEG, PNG or WebP photo",
                                       "content": {"application/json": {"schema": ERROR}}}}},
    },
    "/complaints/{ticket}/files/{ref}": {
        "get": {"summary": "A photo of the complaint: an uploaded evidence photo, or a reporter's photo",
                "operationId": "getComplaintFile",
                "parameters": [TICKET, {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"},
                                        "example": FILE_EXAMPLE["id"]}],
                "responses": {"200": {"description": "The photo",
                                      "content": {t: {"schema": PHOTO_BYTES} for t in PHOTO_TYPES}},
                              **_errors(401, 403, 404, 429)}},
    },
    "/breaches": {
        "get": {
            "summary": "Missed deadlines, newest first", "operationId": "listBreaches",
            "parameters": [
                {"name": n, "in": "query", "required": False, "schema": s, "description": d} for n, s, d in (
                    ("agency", {"type": "string"}, "agency code"),
                    ("since", {"type": "string", "format": "date-time"}, "detected at or after"),
                    ("until", {"type": "string", "format": "date-time"}, "detected before"),
                    ("kind", {"type": "string", "enum": ["acknowledge", "handle", "triage"]}, "which deadline"),
                    ("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "page size (default 50)"),
                    ("cursor", {"type": "string"}, "next_cursor of the previous page"),
                )
            ],
            "responses": {"200": _ok({"type": "object", "required": ["items", "next_cursor"], "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Breach"}},
                "next_cursor": {"type": ["string", "null"]}}}), **_errors(400, 401, 403, 422, 429)},
        },
    },
    "/webhook": {
        "get": {"summary": "This partner token's webhook (its secret is never shown again)", "operationId": "getWebhook",
                "responses": {"200": _ok({"$ref": "#/components/schemas/Webhook"}, example=WEBHOOK_EXAMPLE),
                              **_errors(401, 403, 404, 429)}},
        "put": {"summary": "Set where signed status-change POSTs go; the secret is returned when new or rotated",
                "operationId": "setWebhook",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/WebhookSet"}}}},
                "responses": {"200": _ok({"$ref": "#/components/schemas/Webhook"},
                                         example={**WEBHOOK_EXAMPLE, "secret": "whsec_3q2-7Jx0cLrK9mV1sT8uYb4nE6wZ5aH"}),
                              **_errors(400, 401, 403, 413, 415, 422, 429)}},
        "delete": {"summary": "Stop webhooks for this token", "operationId": "deleteWebhook",
                   "responses": {"204": {"description": "Removed"}, **_errors(401, 403, 404, 429)}},
    },
    "/openapi.json": {
        "get": {"summary": "This document", "operationId": "openapi", "security": [],
                "responses": {"200": {"description": "OpenAPI 3 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}},
    },
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sigap API", "version": "1.0.0",
                 "description": "Citizen complaint SLA tracker: submit and follow complaints machine to machine. "
                                "Times are UTC ISO-8601 with Z. Errors are {\"error\": {\"code\", \"message\"}}."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "flask --app wsgi tokens create --role ROLE"}}},
    }


@bp.get("/openapi.json")
def openapi_json():
    return document()
