"""What the API reads from a request, each parsed one way for every route: the JSON object of a
body, an ISO-8601 time with its zone, the page size of a list."""
from __future__ import annotations

from datetime import datetime

from flask import request

from app.clock import in_service_years
from app.domain.text import clean_json as without_nul  # the one cleaning rule, shared with Telegram
from app.errors import ApiError

MAX_PAGE = 200


def json_body() -> dict:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send JSON with 'Content-Type: application/json'")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return without_nul(body)


def parse_time(value, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(422, "validation_failed", f"{field} must be an ISO-8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(422, "validation_failed",
                       f"{field} is not an ISO-8601 date-time (e.g. 2026-11-23T09:00:00+07:00)") from None
    if parsed.tzinfo is None:
        raise ApiError(422, "validation_failed", f"{field} needs a time zone (Z or an offset such as +07:00)")
    if not in_service_years(parsed):
        raise ApiError(422, "validation_failed", f"{field} must lie between 2000 and 2099")
    return parsed


def page_limit() -> int:
    """The `limit` query parameter of a list: 1 to MAX_PAGE, 50 when absent."""
    raw = request.args.get("limit", "50")
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, "bad_request", "limit must be a whole number") from None
    if not 1 <= limit <= MAX_PAGE:
        raise ApiError(400, "bad_request", f"limit must be between 1 and {MAX_PAGE}")
    return limit
