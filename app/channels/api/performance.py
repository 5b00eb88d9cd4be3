"""GET /api/v1/performance (and /performance/districts, the camats compared) and /api/v1/contracts:
performance reports and officials' contracts."""
from __future__ import annotations

from flask import request

from app.channels.api import bp
from app.channels.api.auth import current_actor, token_required
from app.channels.api.openapi import PATHS, SCHEMAS
from app.errors import ApiError
from app.extensions import db_session, now
from app.services.reporting import performance

READERS = ("officer", "agency_head", "supervisor", "official", "camat", "admin")


@bp.get("/performance")
@token_required(*READERS)
def performance_report():
    args = request.args
    if not args.get("period"):
        raise ApiError(400, "bad_request", "period is required: 2026-11, 2026-Q4 or 2026")
    return performance.report(db_session(), now(), current_actor(), period=args["period"],
                              group_by=args.get("group_by") or "agency",
                              jurisdiction=args.get("jurisdiction") or None)


@bp.get("/performance/districts")
@token_required(*READERS)
def performance_by_district():
    args = request.args
    if not args.get("period"):
        raise ApiError(400, "bad_request", "period is required: 2026-11, 2026-Q4 or 2026")
    return performance.districts(db_session(), now(), current_actor(), period=args["period"],
                                 jurisdiction=args.get("jurisdiction") or None)


@bp.get("/contracts")
@token_required(*READERS)
def list_contracts():
    items = performance.contracts_visible(db_session(), current_actor(), request.args.get("period") or None)
    return {"items": [performance.contract_to_dict(c) for c in items]}


@bp.post("/contracts")
@token_required("admin")
def create_contract():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object")
    known = {"official", "agency", "district", "period", "note", *performance.TARGET_FIELDS}
    unknown = sorted(set(body) - known)
    if unknown:
        raise ApiError(400, "bad_request", f"unknown fields: {', '.join(unknown)}")
    if "official" not in body or "period" not in body:
        raise ApiError(400, "bad_request", "official and period are required")
    session = db_session()
    contract = performance.create_contract(
        session, now(), current_actor(), official=body["official"], period=body["period"],
        agency=body.get("agency"), district=body.get("district"), note=body.get("note"),
        **{k: body.get(k) for k in performance.TARGET_FIELDS})
    return performance.contract_to_dict(contract), 201


@bp.get("/contracts/<int:contract_id>")
@token_required(*READERS)
def contract_review(contract_id: int):
    return performance.contract_review(db_session(), now(), current_actor(), contract_id)


# ---- OpenAPI ---------------------------------------------------------------------------------

def _errors(*codes: int) -> dict:
    return {str(c): {"description": {400: "Bad request", 401: "Missing or invalid token", 403: "Token not allowed here",
                                     404: "Not found", 409: "Already exists", 422: "Validation failed"}[c],
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


RATE = {"type": "object", "properties": {"value": {"type": ["number", "null"]}, "of": {"type": "integer"},
                                         "too_few_to_judge": {"type": "boolean"}}}
BREACHES = {"type": "object", "properties": {"staff_told": {"type": "integer"}, "notify_failed": {"type": "integer"},
                                             "total": {"type": "integer"}}}
TIMES = {"type": "object", "properties": {
    "on_time": {"type": "integer"}, "late": {"type": "integer"}, "minutes_measured": {"type": "integer"},
    "median_minutes": {"type": ["number", "null"]}, "p90_minutes": {"type": ["number", "null"]},
    "too_few_to_judge": {"type": "boolean"}, "breaches": BREACHES}}
SCHEMAS["PerformanceFigures"] = {
    "type": "object",
    "properties": {
        "received": {"type": "integer"}, "handled_on_time": {"type": "integer"}, "handled_late": {"type": "integer"},
        "open_late": {"type": "integer", "description": "open and past the handle deadline: counted as late"},
        "late": {"type": "integer"}, "open_not_due": {"type": "integer"}, "open_backlog": {"type": "integer"},
        "on_time_rate": RATE, "acknowledge": TIMES, "handle": TIMES, "reopened": {"type": "integer"},
        "reopened_share": RATE,
    },
}
SCHEMAS["PerformanceReport"] = {
    "type": "object",
    "properties": {
        "period": {"type": "object"}, "group_by": {"type": "string"}, "jurisdictions": {"type": "array"},
        "as_of": {"type": "string", "format": "date-time"}, "min_sample": {"type": "integer"},
        "items": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/PerformanceFigures"}, {
            "type": "object", "properties": {"group": {"type": "object"}}}]}},
        "total": {"$ref": "#/components/schemas/PerformanceFigures"},
    },
}
TARGETS = {
    "on_time_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1, "example": 0.95},
    "median_handle_minutes": {"type": ["integer", "null"], "example": 120},
    "p90_handle_minutes": {"type": ["integer", "null"], "example": 230},
    "max_breaches": {"type": ["integer", "null"], "example": 5},
    "max_reopened_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1, "example": 0.05},
}
SCHEMAS["ContractCreate"] = {
    "type": "object", "required": ["official", "period"],
    "properties": {"official": {"type": ["string", "integer"], "description": "username or user id"},
                   "agency": {"type": "string", "description": "agency code (default: the agency the official heads)"},
                   "period": {"type": "string", "example": "2026-Q4"}, "note": {"type": "string"}, **TARGETS},
}
SCHEMAS["Contract"] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "period": {"type": "string"}, "period_kind": {"type": "string"},
                   "period_start": {"type": "string", "format": "date"}, "period_end": {"type": "string", "format": "date"},
                   "official": {"type": "object"}, "agency": {"type": "object"},
                   "targets": {"type": "object", "properties": TARGETS}, "note": {"type": ["string", "null"]}},
}
SCHEMAS["ContractReview"] = {
    "type": "object",
    "properties": {"contract": {"$ref": "#/components/schemas/Contract"},
                   "status": {"type": "string", "enum": ["met", "at_risk", "missed", "too_few"]},
                   "verdicts": {"type": "array"}, "actuals": {"$ref": "#/components/schemas/PerformanceFigures"},
                   "trend": {"type": "object"}, "breaches": {"type": "array"}},
}


def _ok(ref: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


PATHS["/performance"] = {"get": {
    "summary": "Performance report of a period, grouped", "operationId": "getPerformance",
    "description": "Complaints count in the period holding their handle deadline (local time), for the agency "
                   "and official accountable when it fell; rejected complaints and linked repeats are left out. "
                   "Open complaints past their deadline count as late. See docs/performance.md.",
    "parameters": [
        {"name": "period", "in": "query", "required": True, "schema": {"type": "string"},
         "description": "2026-11, 2026-Q4 or 2026"},
        {"name": "group_by", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(performance.GROUP_BY), "default": "agency"}},
        {"name": "jurisdiction", "in": "query", "required": False, "schema": {"type": "string"}},
    ],
    "responses": {"200": _ok("PerformanceReport"), **_errors(400, 401, 403, 404, 422)},
}}
SCHEMAS["DistrictReport"] = {
    "type": "object",
    "properties": {
        "period": {"type": "object"}, "jurisdictions": {"type": "array"},
        "as_of": {"type": "string", "format": "date-time"}, "min_sample": {"type": "integer"},
        "items": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/PerformanceFigures"}, {
            "type": "object", "properties": {
                "district": {"type": "object", "description": "the kecamatan (id, code, name); id null: no kecamatan"},
                "camats": {"type": "array", "items": {"type": "string"},
                           "description": "active camat accounts and camat contacts of the kecamatan"},
                "disputed": {"type": "integer",
                             "description": "times a citizen said the complaint was NOT handled"}}}]}},
        "total": {"$ref": "#/components/schemas/PerformanceFigures"},
    },
}
PATHS["/performance/districts"] = {"get": {
    "summary": "Performance per kecamatan (where complaints are located, whichever agency held them)",
    "operationId": "getPerformanceByDistrict",
    "description": "The figures of /performance grouped by district, with each kecamatan's camats and its "
                   "disputes: what the regent compares camats on. A camat token sees its own kecamatan.",
    "parameters": [
        {"name": "period", "in": "query", "required": True, "schema": {"type": "string"},
         "description": "2026-11, 2026-Q4 or 2026"},
        {"name": "jurisdiction", "in": "query", "required": False, "schema": {"type": "string"}},
    ],
    "responses": {"200": _ok("DistrictReport"), **_errors(400, 401, 403, 404, 422)},
}}
PATHS["/contracts"] = {
    "get": {"summary": "Performance contracts visible to the token", "operationId": "listContracts",
            "parameters": [{"name": "period", "in": "query", "required": False, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"items": {"type": "array", "items": {
                    "$ref": "#/components/schemas/Contract"}}}}}}}, **_errors(401, 403, 422)}},
    "post": {"summary": "Record an official's contract (admin)", "operationId": "createContract",
             "requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/ContractCreate"}}}},
             "responses": {"201": _ok("Contract", "Created"), **_errors(400, 401, 403, 409, 422)}},
}
PATHS["/contracts/{contract_id}"] = {"get": {
    "summary": "A contract's review: targets against actuals, verdicts, weekly trend, breaches as evidence",
    "operationId": "getContractReview",
    "parameters": [{"name": "contract_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": _ok("ContractReview"), **_errors(401, 403, 404)},
}}
