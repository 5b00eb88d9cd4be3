"""Hostile values in every query parameter and form field of every staff page, in every field of
every API operation, in the Open311 endpoints and in the signed Twilio webhooks: never a 5xx, a
refused request leaves everything stored as it was, and nothing accepted stores garbage.

Targets come from the app: staff GET routes from `app.url_map`, the parameters each view reads
(recorded while it runs) plus targets.STAFF_PAGES' extras, the forms and their fields from the
rendered HTML, the API operations and body properties from /api/v1/openapi.json. Every request runs
inside a savepoint rolled back after it, so each hostile value meets the same stored state."""
from __future__ import annotations

import math
import re
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Integer, event, select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from app.channels.api.routes import ACTION_FIELDS as API_ACTION_FIELDS
from app.domain.actor import SYSTEM
from app.models import Base
from app.services import intake
from app.services.reporting import performance
from app.web import WEB_BLUEPRINTS
from tests.integration.hostile import targets
from tests.integration.hostile.conftest import TELEGRAM_SECRET, table_digests
from tests.integration.hostile.targets import (
    JSON_VALUES,
    PATH_VALUES,
    QUERY_VALUES,
    RAW_BODIES,
    STAFF_PAGES,
    STATIC_ENDPOINTS,
    TEXT_VALUES,
    UNSWEPT_FORMS,
    Page,
    json_text,
)

MAX_PROBLEMS_SHOWN = 40


# ---- recording which parameters a view reads ----------------------------------------------------

class _Recorded(ImmutableMultiDict):
    """Query and form values that note down every key a view asks for (mixed into the app's own
    storage class, so that its cleaning still happens)."""

    reads: set[str] = set()

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        _Recorded.reads.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key):
        _Recorded.reads.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _Recorded.reads.add(key)
        return super().__contains__(key)

    def getlist(self, key, type=None):  # noqa: A002
        _Recorded.reads.add(key)
        return super().getlist(key, type)


def _record_reads(app) -> None:
    storage = type("Recorded", (_Recorded, app.request_class.parameter_storage_class), {})
    app.request_class = type("RecordingRequest", (app.request_class,), {"parameter_storage_class": storage})


# ---- forms in the rendered HTML -------------------------------------------------------------------

class _Forms(HTMLParser):
    """Every <form> of a page: its action, method, fields with the values the page gives them, and
    its named buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": (a.get("method") or "get").lower(),
                          "fields": {}, "buttons": []}
            return
        if self._form is None:
            return
        name = a.get("name")
        fields = self._form["fields"]
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image", "button"):
                self._form["buttons"].append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a or name not in fields:
                    fields[name] = a.get("value", "on") if "checked" in a else fields.get(name)
            elif kind == "file":
                fields.setdefault(name, None)
            else:
                fields[name] = a.get("value", "")
        elif tag == "button" and name:
            self._form["buttons"].append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, None)
        elif tag == "option" and self._select:
            if fields.get(self._select) is None or "selected" in a:
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def forms_in(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


# ---- what must hold after each request -----------------------------------------------------------

# Tables a refused request is meant to write: a failed sign-in is counted (that is the throttle).
COUNTED_ON_REFUSAL = frozenset({"sign_in_throttles"})
_DML = re.compile(r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class Sweep:
    """Sends requests, each in a savepoint rolled back after it, and notes every broken promise.

    Every request is rolled back, so what is stored before each one is what was stored before the
    first: one digest per table is taken once, and after a request only the tables it wrote to
    (seen in the SQL it sent) are compared and searched for garbage."""

    def __init__(self, connection):
        self.connection = connection
        self.problems: list[str] = []
        self.sent = 0
        self.before: dict[str, str] | None = None
        self.written: set[str] = set()

    def _note_writes(self, _conn, _cursor, statement, _parameters, _context, _executemany):
        self.written.update(name.lower() for name in _DML.findall(statement))

    def send(self, label: str, call, *, writes: bool, expect_refusal: bool = False):
        if writes and self.before is None:
            self.before = table_digests(self.connection)
        savepoint = self.connection.begin_nested()
        self.written = set()
        event.listen(self.connection.engine, "before_cursor_execute", self._note_writes)
        try:
            try:
                response = call()
            except Exception as exc:  # noqa: BLE001 - a crash inside the test client is a finding too
                self.problems.append(f"{label}: raised {type(exc).__name__}: {exc}"[:300])
                return None
            finally:
                event.remove(self.connection.engine, "before_cursor_execute", self._note_writes)
            self.sent += 1
            status = response.status_code
            touched = sorted(self.written & set(self.before or ()))
            if status >= 500:
                self.problems.append(f"{label}: {status} {response.get_data(as_text=True)[:160]!r}")
            elif writes and status >= 400:
                now = table_digests(self.connection, touched)
                changed = [name for name in touched if now[name] != self.before[name] and name not in COUNTED_ON_REFUSAL]
                if changed:
                    self.problems.append(f"{label}: refused with {status} but changed {', '.join(changed)}")
            elif writes:
                if expect_refusal:
                    self.problems.append(f"{label}: accepted ({status}) a value that must be refused")
                garbage = stored_garbage(self.connection, touched)
                if garbage:
                    self.problems.append(f"{label}: accepted ({status}) and stored {garbage}")
            return response
        finally:
            if savepoint.is_active:
                savepoint.rollback()

    def check(self):
        assert self.sent > 0
        shown = "\n".join(self.problems[:MAX_PROBLEMS_SHOWN])
        assert not self.problems, f"{len(self.problems)} of {self.sent} hostile requests misbehaved:\n{shown}"


SANE_YEARS = (1970, 2200)
_SURROGATE = re.compile("[\ud800-\udfff]")
INT_LIMIT = 2 ** 31


def stored_garbage(connection, tables) -> str | None:
    """A stored value no request should ever leave behind: NUL, a lone surrogate, text longer than its
    column, an integer out of the column's range, a number that is none, a date in another era."""
    for name in tables:
        table = Base.metadata.tables[name]
        for row in connection.execute(select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, str) and ("\x00" in value or _SURROGATE.search(value)):
                    return f"{name}.{column} = {value[:40]!r}"
                limit = getattr(table.c[column].type, "length", None)
                if isinstance(value, str) and limit and len(value) > limit:  # PostgreSQL refuses what SQLite keeps
                    return f"{name}.{column}: {len(value)} characters in a column of {limit}"
                if isinstance(value, bool):
                    continue
                if isinstance(value, int) and isinstance(table.c[column].type, Integer) and abs(value) >= INT_LIMIT:
                    return f"{name}.{column} = {value}"
                if isinstance(value, float) and not math.isfinite(value):
                    return f"{name}.{column} = {value}"
                if isinstance(value, datetime) and not SANE_YEARS[0] <= value.year <= SANE_YEARS[1]:
                    return f"{name}.{column} = {value.isoformat()}"
    return None


def encode(pairs) -> str:
    """A query string or urlencoded body; bytes values go as they are, percent-encoded."""
    flat = []
    for key, value in pairs:
        if isinstance(value, tuple):
            flat.extend((key, v) for v in value)
        else:
            flat.append((key, value))
    return urlencode(flat)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---- staff pages -----------------------------------------------------------------------------------

def staff_routes(app) -> dict[str, object]:
    """Every GET route of the staff web's blueprints, by endpoint."""
    found = {}
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint in WEB_BLUEPRINTS and "GET" in rule.methods and rule.endpoint not in STATIC_ENDPOINTS:
            found[rule.endpoint] = rule
    return found


def _path_for(app, endpoint: str, page, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **{k: v.format(**values) if isinstance(v, str) else v for k, v in page.path.items()})


@pytest.fixture
def known(session, clock, complaint):
    """What paths and forms name: the test's complaint, an earlier one, and a performance contract."""
    contract = performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-Q4",
                                           on_time_rate=0.9)
    other = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", district="Glagah",
                          description="Laporan sebelumnya tentang Ibu Sumi", channel="counter")
    session.commit()
    return {"ticket": complaint.ticket, "contract": contract.id, "other": other.ticket}


def test_every_staff_page_is_named_in_the_sweeps_table(app):
    missing = sorted(set(staff_routes(app)) - set(STAFF_PAGES))
    assert not missing, f"new staff pages: say in targets.STAFF_PAGES who opens them and what their path holds: " \
                        f"{missing}"


PARTS = (0, 1)  # each sweep in two halves, so that two test workers share it


@pytest.mark.parametrize("part", PARTS)
def test_staff_pages_answer_hostile_query_parameters_without_a_server_error(app, browsers, connection, known, part):
    _record_reads(app)
    sweep = Sweep(connection)
    for endpoint, rule in sorted(staff_routes(app).items())[part::len(PARTS)]:
        page = STAFF_PAGES[endpoint]
        browser = browsers[page.role]
        path = _path_for(app, endpoint, page, known)
        _Recorded.reads = set()
        plain = browser.get(path)
        assert plain.status_code < 500 and plain.status_code not in (401, 403), (endpoint, plain.status_code)
        assert "/signin" not in plain.headers.get("Location", ""), f"{endpoint}: the browser was signed out"
        params = set(_Recorded.reads) | set(page.extra)
        if plain.mimetype == "text/html":
            for form in forms_in(plain.get_data(as_text=True)):
                if form["method"] == "get":
                    params |= set(form["fields"])
        params.discard("csrf_token")
        for name in sorted(params):
            for value in QUERY_VALUES:
                query = encode([(name, value)])
                sweep.send(f"GET {endpoint} ?{name}={_short(value)}", lambda: browser.get(f"{path}?{query}"),
                           writes=False)
        for segment in rule.arguments:
            marker = "987654321" if isinstance(rule._converters.get(segment), IntegerConverter) else "hostilemark"
            template = _path_for(app, endpoint, Page(page.role, {**page.path, segment: marker}), known)
            for value in PATH_VALUES:
                hostile = template.replace(marker, value)
                sweep.send(f"GET {endpoint} {segment}={value[:30]}", lambda: browser.get(hostile), writes=False)
    for endpoint in STATIC_ENDPOINTS[part::len(PARTS)]:
        prefix = {"web.static": "/web/static/", "performance.static": "/performance/static/",
                  "sms_demo.static": "/demo/sms-static/"}[endpoint]
        for value in PATH_VALUES:
            sweep.send(f"GET {endpoint} {value[:30]}", lambda: browsers["officer"].get(prefix + value), writes=False)
    sweep.check()


def _endpoint_of(app, method: str, path: str) -> str | None:
    try:
        endpoint, _args = app.url_map.bind("localhost").match(urlsplit(path).path, method=method.upper())
    except Exception:  # noqa: BLE001 - a 404/405 here just means "not one of ours"
        return None
    return endpoint


def staff_post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.rpartition(".")[0] in WEB_BLUEPRINTS and "POST" in rule.methods}


# Forms whose every answer costs a password hash: a few values only.
SLOW_FORMS = {"auth.signin": ["a\x00b", b"\xed\xa0\x80", "x" * 100_000, ("1", "\x00")]}


def staff_forms(app, browsers, known) -> list[tuple[str | None, str, str, dict, list]]:
    """(role, endpoint, action path, baseline fields, named buttons) for every distinct POST form."""
    seen, found = set(), []
    for endpoint in sorted(staff_routes(app)):
        page = STAFF_PAGES[endpoint]
        roles = {page.role, "supervisor", "admin", "officer"} if endpoint in (
            "workspace.complaint", "dashboard.triage") else {page.role}
        for role in sorted(roles, key=str):
            path = _path_for(app, endpoint, page, known)
            response = browsers[role].get(path)
            if response.mimetype != "text/html":
                continue
            for form in forms_in(response.get_data(as_text=True)):
                if form["method"] != "post":
                    continue
                action = form["action"] or path
                target = _endpoint_of(app, "POST", action)
                if target is None or target in UNSWEPT_FORMS:
                    continue
                key = (target, form["fields"].get("action"), tuple(sorted(form["fields"])),
                       tuple(name for name, _v in form["buttons"]))
                if key in seen:
                    continue
                seen.add(key)
                found.append((role, target, action, form["fields"], form["buttons"]))
    return found


@pytest.mark.parametrize("part", PARTS)
def test_staff_forms_answer_hostile_fields_without_a_server_error_or_a_change(app, browsers, connection, known,
                                                                               part):
    _record_reads(app)
    forms = staff_forms(app, browsers, known)
    unreached = staff_post_endpoints(app) - {endpoint for _r, endpoint, *_ in forms} - set(UNSWEPT_FORMS)
    assert not unreached, f"staff POST routes no rendered form leads to (show them a form or list them): {unreached}"
    sweep = Sweep(connection)
    for role, endpoint, action, shown, buttons in forms[part::len(PARTS)]:
        values = SLOW_FORMS.get(endpoint, TEXT_VALUES)
        fill = {**targets.FORM_FILL.get(endpoint, {}), **targets.FORM_FILL.get(f"{endpoint}:{shown.get('action')}", {})}
        fields = {**shown, **{k: v.format(**known) for k, v in fill.items()}}
        browser = browsers[role]
        variants = [[b] for b in buttons] or [[]]
        # Fields the view reads that the form does not show (recorded on one plain post).
        _Recorded.reads = set()
        base = [(k, v) for k, v in fields.items() if v is not None]
        sweep.send(f"POST {endpoint} as shown", lambda: browser.client.post(
            action, data=encode(base), content_type="application/x-www-form-urlencoded"), writes=True)
        csrf = fields.get("csrf_token", "")
        for content_type, raw in (("application/json", json_text(dict(base)).encode()),
                                  ("text/plain", encode(base).encode()),
                                  ("multipart/form-data; boundary=x", b"--x\r\nbroken")):
            sweep.send(f"POST {endpoint} as {content_type.split(';')[0]}", lambda: browser.client.post(
                action, data=raw, content_type=content_type, headers={"X-CSRFToken": csrf}), writes=True)
        names = (set(fields) | _Recorded.reads) - {"csrf_token"}
        # The action's own path segments (a ticket, an agency code, a rule id).
        path_args = app.url_map.bind("localhost").match(urlsplit(action).path, method="POST")[1]
        for segment, known_value in path_args.items():
            marker = "987654321" if isinstance(known_value, int) else "hostilemark"
            with app.test_request_context():
                template = url_for(endpoint, **{**path_args, segment: marker})
            for value in PATH_VALUES:
                hostile = template.replace(marker, value)
                sweep.send(f"POST {endpoint} {segment}={value[:30]} as {role}", lambda: browser.client.post(
                    hostile, data=encode(base), content_type="application/x-www-form-urlencoded"), writes=True)
        for buttons_sent in variants:
            for name in sorted(names):
                for value in values:
                    body = [(k, v) for k, v in fields.items() if v is not None and k != name]
                    body += buttons_sent + [(name, value)]
                    label = f"POST {endpoint}[{fields.get('action') or ''}{buttons_sent}] {name}={_short(value)}"
                    sweep.send(f"{label} as {role}", lambda: browser.client.post(
                        action, data=encode(body), content_type="application/x-www-form-urlencoded"), writes=True)
    sweep.check()


# ---- the API, from its OpenAPI document --------------------------------------------------------------

def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def _properties(document: dict, schema: dict, prefix: tuple = ()) -> list[tuple]:
    """Paths of every body property, one level into nested objects (reporter.phone, evidence.photo)."""
    found = []
    for name, sub in (_resolve(document, schema).get("properties") or {}).items():
        found.append(prefix + (name,))
        sub = _resolve(document, sub)
        if sub.get("properties") and not prefix:
            found.extend(_properties(document, sub, prefix + (name,)))
    return found


def _with(body: dict, path: tuple, value) -> dict:
    body = dict(body)
    if len(path) == 1:
        body[path[0]] = value
    else:
        inner = body.get(path[0])
        body[path[0]] = _with(inner if isinstance(inner, dict) else {}, path[1:], value)
    return body


# Complete bodies where the document's example is not one (or there is none).
BASELINES = {"createContract": {"official": "head.dinsos", "period": "2027-Q1", "on_time_rate": 0.9}}
ACTION_BASELINES = {
    "acknowledge": {}, "handle": {"note": "Beras diantar"}, "resolve": {}, "reopen": {},
    "reject": {"reason": "duplicate", "duplicate_of": "{other}"}, "assign": {"assignee": "officer.dinsos"},
    "transfer": {"agency": "bwi-dinkes"}, "link_repeat": {"of_ticket": "{other}"}, "close": {},
    "comment": {"note": "Rumahnya di belakang masjid"}, "nudge": {},
}


def _fill(value, known: dict):
    if isinstance(value, str):
        return value.format(**known)
    if isinstance(value, dict):
        return {k: _fill(v, known) for k, v in value.items()}
    return value


def test_every_api_route_is_in_the_openapi_document_the_sweep_reads(app, client):
    documented = set(client.get("/api/v1/openapi.json").json["paths"])
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert not routes - documented, f"API routes the OpenAPI document (and so the sweep) misses: {routes - documented}"


def test_every_api_operation_answers_hostile_fields_with_a_clean_4xx(app, client, tokens, connection, known):
    document = client.get("/api/v1/openapi.json").json
    sweep = Sweep(connection)
    operations = 0
    for template, item in document["paths"].items():
        if template == "/openapi.json":
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            operations += 1
            headers = tokens["partner" if template == "/webhook" else "admin"]
            values = {"ticket": known["ticket"], "contract_id": known["contract"], "ref": "nothing-of-this-complaint"}
            params = [p for p in operation.get("parameters", []) if "$ref" not in p]
            path = "/api/v1" + template.format(**values)
            op_id = operation.get("operationId", f"{method} {template}")

            def call(url=None, body=None, raw=None, content_type="application/json", extra_headers=None):
                data = raw if raw is not None else (json_text(body) if body is not None else None)
                return client.open(url or path, method=method.upper(), data=data,
                                   content_type=content_type if data is not None else None,
                                   headers={**headers, **(extra_headers or {})})

            writes = method != "get"
            for param in params:
                if param["in"] == "query":
                    for value in QUERY_VALUES:
                        query = encode([(param["name"], value)])
                        sweep.send(f"{op_id} ?{param['name']}={_short(value)}",
                                   lambda: call(url=f"{path}?{query}"), writes=writes)
                elif param["in"] == "path":
                    for value in PATH_VALUES:
                        url = "/api/v1" + template.format(**{**values, param["name"]: value})
                        sweep.send(f"{op_id} {param['name']}={value[:30]}", lambda: call(url=url), writes=writes)
                elif param["in"] == "header":
                    for value in ["\x01", "x" * 5000, "", " "]:
                        sweep.send(f"{op_id} {param['name']}: {_short(value)}",
                                   lambda: call(body=_fill(operation_baseline(document, operation, op_id), known),
                                                extra_headers={param["name"]: value}), writes=writes)
            content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            if content is None:
                continue
            for content_type, raw in RAW_BODIES:
                sweep.send(f"{op_id} body {content_type} {raw[:24]!r}",
                           lambda: call(raw=raw, content_type=content_type), writes=writes)
            schema = content["schema"]
            if op_id == "actOnComplaint":
                actions = _resolve(document, schema)["properties"]["action"]["enum"]
                for value in JSON_VALUES:
                    sweep.send(f"{op_id} action={_short(value)}", lambda: call(body={"action": value}),
                               writes=True, expect_refusal=True)
                for action in actions:
                    base = {"action": action, **_fill(ACTION_BASELINES[action], known)}
                    fields = [(f,) for f in (*API_ACTION_FIELDS[action], "note")]
                    if action == "handle":
                        fields += [("evidence", "photo"), ("evidence", "lat"), ("evidence", "lon")]
                    for field_path in fields:
                        for value in JSON_VALUES:
                            sweep.send(f"{op_id} {action} {'.'.join(field_path)}={_short(value)}",
                                       lambda: call(body=_with(base, field_path, value)), writes=True)
                continue
            base = _fill(operation_baseline(document, operation, op_id), known)
            for field_path in _properties(document, schema):
                if (op_id, ".".join(field_path)) in targets.ANSWERED_ELSEWHERE:
                    continue
                for value in JSON_VALUES:
                    sweep.send(f"{op_id} {'.'.join(field_path)}={_short(value)}",
                               lambda: call(body=_with(base, field_path, value)), writes=True)
    assert operations >= 12
    sweep.check()


HOSTILE_LEAVES = st.sampled_from([v for v in JSON_VALUES if not isinstance(v, (list, dict))]) | st.none() \
    | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
HOSTILE_JSON = st.recursive(HOSTILE_LEAVES, lambda inner: st.lists(inner, max_size=3)
                            | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def test_free_form_bodies_to_the_writing_api_operations_never_give_a_5xx(client, tokens, connection, known):
    """Hypothesis beside the product above: bodies shaped like each operation's, with any values."""
    sweep = Sweep(connection)
    shapes = {
        f"/api/v1/complaints/{known['ticket']}/actions": st.fixed_dictionaries(
            {"action": st.sampled_from(list(ACTION_BASELINES)) | HOSTILE_LEAVES},
            optional={name: HOSTILE_JSON for name in ("note", "evidence", "reason", "duplicate_of", "agency",
                                                      "assignee", "of_ticket")}),
        "/api/v1/contracts": st.fixed_dictionaries(
            {"official": st.sampled_from(["head.dinsos", "official"]) | HOSTILE_LEAVES,
             "period": st.sampled_from(["2027-Q1", "2027-02", "2027"]) | HOSTILE_LEAVES},
            optional={name: HOSTILE_JSON for name in ("agency", "note", "on_time_rate", "median_handle_minutes",
                                                      "p90_handle_minutes", "max_breaches", "max_reopened_share")}),
        "/api/v1/complaints": st.fixed_dictionaries(
            {"jurisdiction": st.just("banyuwangi") | HOSTILE_LEAVES, "category": st.just("hunger") | HOSTILE_LEAVES},
            optional={name: HOSTILE_JSON for name in ("description", "district", "village", "lat", "lon", "address",
                                                      "channel", "received_at")}),
    }
    for path, bodies in shapes.items():
        @given(body=bodies)
        @hsettings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(body):
            sweep.send(f"POST {path} {_short(body)}", lambda: client.post(
                path, data=json_text(body), content_type="application/json", headers=tokens["admin"]), writes=True)

        run()
    sweep.check()


def operation_baseline(document: dict, operation: dict, op_id: str) -> dict:
    if op_id in BASELINES:
        return BASELINES[op_id]
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json") or {}
    schema = _resolve(document, content.get("schema") or {})
    return dict(content.get("example") or schema.get("example") or {})


# ---- Open311 and the webhooks ----------------------------------------------------------------------

def test_open311_answers_hostile_fields_in_its_own_error_format(client, connection, open311_key, known):
    sweep = Sweep(connection)
    base = {"api_key": open311_key, "service_code": "hunger", "address_string": "Genteng Kulon, Genteng",
            "description": "Lansia tidak makan"}
    for name in targets.OPEN311_POST_FIELDS:
        for value in TEXT_VALUES:
            body = encode([*((k, v) for k, v in base.items() if k != name), (name, value)])
            sweep.send(f"POST open311 {name}={_short(value)}", lambda: client.post(
                "/open311/v2/requests.json", data=body, content_type="application/x-www-form-urlencoded"),
                writes=True)
    for name in targets.OPEN311_GET_FIELDS:
        for value in QUERY_VALUES:
            query = encode([("api_key", open311_key), (name, value)])
            sweep.send(f"GET open311 requests {name}={_short(value)}",
                       lambda: client.get(f"/open311/v2/requests.json?{query}"), writes=False)
            sweep.send(f"GET open311 services {name}={_short(value)}",
                       lambda: client.get(f"/open311/v2/services.xml?{query}"), writes=False)
    for value in PATH_VALUES:
        for path in (f"/open311/v2/services/{value}.json", f"/open311/v2/requests/{value}.json",
                     f"/open311/v2/requests/{value}.xml"):
            sweep.send(f"GET {path[:60]}", lambda: client.get(path, query_string={"api_key": open311_key}),
                       writes=False)
    sweep.check()


# Twilio signs text: bytes that are no UTF-8 cannot come signed, and its webhook bodies stay under 64 KB.
SIGNABLE = [v for v in TEXT_VALUES if isinstance(v, str) and len(v) < 60_000]


def test_signed_twilio_webhooks_answer_hostile_fields_without_a_server_error(twilio, connection):
    sweep = Sweep(connection)
    base = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "0" * 32, "From": "+6281234500077",
            "To": "+6281100002222", "Body": "LAPOR MAKAN Genteng Kulon: nenek tidak makan", "NumMedia": "0"}
    for name in targets.TWILIO_SMS_FIELDS:
        for value in SIGNABLE + ["x" * 60_000]:
            form = {**base, name: value}
            sweep.send(f"twilio sms {name}={_short(value)}", lambda: twilio.post("/webhooks/twilio/sms", form),
                       writes=True)
    status = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    for name in targets.TWILIO_STATUS_FIELDS:
        for value in SIGNABLE:
            form = {**status, name: value}
            sweep.send(f"twilio status {name}={_short(value)}", lambda: twilio.post("/webhooks/twilio/status", form),
                       writes=True)
    sweep.check()


def test_the_telegram_webhook_answers_hostile_bodies_without_a_server_error(client, connection):
    sweep = Sweep(connection)
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    for content_type, raw in RAW_BODIES:
        sweep.send(f"telegram {content_type} {raw[:24]!r}", lambda: client.post(
            "/webhooks/telegram", data=raw, content_type=content_type, headers=headers), writes=True)
    # The fields of an Update: tests/integration/telegram (the dialogue's own hostile updates).
    for value in JSON_VALUES:
        body = json_text({"update_id": value[:60_000] if isinstance(value, str) else value})
        sweep.send(f"telegram update_id={_short(value)}", lambda: client.post(
            "/webhooks/telegram", data=body, content_type="application/json", headers=headers), writes=True)
    sweep.check()


def test_the_kannel_webhooks_answer_hostile_parameters_without_a_server_error(app, client, connection):
    secret = "hostile-kannel-secret-0123456789"
    app.extensions["sigap"].settings.kannel_secret = secret
    sweep = Sweep(connection)
    base = {"secret": secret, "id": "0f1e2d3c-0000-4000-8000-000000000077", "from": "6281234500077", "to": "1708",
            "text": "LAPOR MAKAN Genteng Kulon: nenek tidak makan", "coding": "0", "charset": "UTF-8"}
    for name in ("id", "from", "to", "text", "coding", "charset", "smsc", "ts"):
        for value in QUERY_VALUES:
            query = encode([*((k, v) for k, v in base.items() if k != name), (name, value)])
            sweep.send(f"kannel sms {name}={_short(value)}",
                       lambda: client.get(f"/webhooks/kannel/sms?{query}"), writes=True)
    for name in ("id", "status", "reply"):
        for value in QUERY_VALUES:
            query = encode([("secret", secret), ("id", "1"), ("status", "1"), (name, value)])
            sweep.send(f"kannel status {name}={_short(value)}",
                       lambda: client.get(f"/webhooks/kannel/status?{query}"), writes=True)
    sweep.check()
