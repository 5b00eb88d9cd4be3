"""Open311 GeoReport v2 as a 311 app or call centre uses it: every endpoint in JSON and XML, and
every documented error in the spec's error format."""
from __future__ import annotations

import xml.etree.ElementTree as ET
import pytest
from sqlalchemy import event, func, select

from app.models import Complaint
from app.models.partner import Open311Request
from app.services import lifecycle
from app.domain.actor import Actor

FORMATS = ("json", "xml")
LISTS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "endpoints": "endpoint", "formats": "format", "errors": "error"}


def _element(el: ET.Element):
    if el.tag in LISTS:
        return [_element(child) for child in el]
    if len(el) == 0:
        return el.text
    return {child.tag: _element(child) for child in el}


def parse(response, fmt: str):
    """The body as Python data; XML mapped like the spec's JSON (every scalar a string)."""
    if fmt == "json":
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        return response.json
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return _element(ET.fromstring(text))


def assert_error(response, fmt: str, status: int, words: str):
    assert response.status_code == status, response.get_data(as_text=True)
    errors = parse(response, fmt)
    assert isinstance(errors, list) and len(errors) == 1
    assert str(errors[0]["code"]) == str(status)
    assert words.lower() in errors[0]["description"].lower(), errors[0]["description"]


def count(session):
    return session.scalar(select(func.count(Complaint.id)))


# --- discovery and services -------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_spec_the_endpoint_and_both_formats(client, fmt):
    r = client.get(f"/open311/v2/discovery.{fmt}")
    assert r.status_code == 200
    doc = parse(r, fmt)
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["type"] == "production" and set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert doc["changeset"].endswith("Z") and doc["contact"]


def test_a_forged_forwarded_host_never_reaches_the_discovery_document(settings, clock, engine, connection):
    """Behind one proxy (SIGAP_PROXY_COUNT=1) a client's X-Forwarded-Host would name its own host as
    the endpoint partners are sent to (with their api_key); the public base URL names it instead."""
    from app import create_app

    settings.proxy_count = 1
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "8443", "X-Forwarded-Proto": "https",
              "X-Forwarded-For": "203.0.113.9"}
    for public, expected in ((None, "https://localhost/open311/v2"),
                             ("https://sigap.banyuwangikab.go.id", "https://sigap.banyuwangikab.go.id/open311/v2")):
        settings.public_base_url = public
        app = create_app(settings=settings, clock=clock, engine=engine)
        app.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
        for fmt in FORMATS:
            r = app.test_client().get(f"/open311/v2/discovery.{fmt}", headers=forged)
            assert parse(r, fmt)["endpoints"][0]["url"] == expected
            assert "evil.example" not in r.get_data(as_text=True) and "8443" not in r.get_data(as_text=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_our_categories_with_metadata_where_a_definition_exists(client, fmt):
    services = parse(client.get(f"/open311/v2/services.{fmt}"), fmt)
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == {"hunger", "school_dropout", "uninhabitable_house", "lone_elderly", "medical_care"}
    truth = "true" if fmt == "xml" else True
    falsity = "false" if fmt == "xml" else False
    assert by_code["school_dropout"]["metadata"] == truth and by_code["lone_elderly"]["metadata"] == truth
    assert by_code["uninhabitable_house"]["metadata"] == falsity
    hunger = by_code["hunger"]
    assert hunger["type"] == "realtime" and hunger["group"] == "Dinas Sosial"
    assert hunger["service_name"] == "Tidak bisa makan" and "makan" in hunger["keywords"]
    assert set(hunger) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


def test_services_follow_the_jurisdiction_and_speak_english_on_request(client):
    srj = {s["service_code"]: s for s in client.get("/open311/v2/services.json?jurisdiction_id=sabu_raijua").json}
    assert srj["medical_care"]["group"] == "Triase"  # Sabu Raijua has no routing rule for it
    english = {s["service_code"]: s for s in client.get("/open311/v2/services.json?locale=en").json}
    assert english["hunger"]["service_name"] != "Tidak bisa makan"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_lists_its_attributes(client, fmt):
    definition = parse(client.get(f"/open311/v2/services/school_dropout.{fmt}"), fmt)
    assert definition["service_code"] == "school_dropout"
    age, level = definition["attributes"]
    assert age["code"] == "child_age" and age["datatype"] == "number" and str(age["required"]).lower() == "true"
    assert str(age["order"]) == "1" and str(age["variable"]).lower() == "true"
    assert level["datatype"] == "singlevaluelist"
    assert [v["key"] for v in level["values"]] == ["sd", "smp", "sma"]
    walk = parse(client.get(f"/open311/v2/services/lone_elderly.{fmt}"), fmt)["attributes"][0]
    assert walk["code"] == "can_walk" and {v["key"] for v in walk["values"]} == {"yes", "no", "unknown"}
    plain = parse(client.get(f"/open311/v2/services/uninhabitable_house.{fmt}"), fmt)
    assert plain["attributes"] in ([], None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_and_jurisdiction_are_404_in_the_spec_error_format(client, fmt):
    assert_error(client.get(f"/open311/v2/services/flood.{fmt}"), fmt, 404, "service_code 'flood' was not found")
    assert_error(client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=atlantis"), fmt, 404,
                 "jurisdiction_id 'atlantis' was not found")
    assert_error(client.get(f"/open311/v2/services/hunger.{fmt}?jurisdiction_id=atlantis"), fmt, 404,
                 "jurisdiction_id")
    assert_error(client.get(f"/open311/v2/nowhere.{fmt}"), fmt, 404, "no open311 resource")


def test_an_empty_optional_argument_counts_as_absent(client):
    assert client.get("/open311/v2/services.json?jurisdiction_id=").status_code == 200


# --- POST requests ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_a_partner_posts_a_request_and_gets_a_ticket_and_a_notice(post_request, session, fmt):
    r = post_request(fmt, **{"service_code": "school_dropout", "attribute[child_age]": "9",
                             "attribute[school_level]": "smp", "account_id": "acc-17",
                             "media_url": "https://example.org/photo.jpg", "device_id": "dev-1"})
    assert r.status_code == 201
    (created,) = parse(r, fmt)
    assert created["service_request_id"].startswith("BWI-2026-")
    assert created["account_id"] == "acc-17"
    assert "Dinas Pendidikan" in created["service_notice"] and "13:00 WIB" in created["service_notice"]
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == created["service_request_id"]))
    assert complaint.channel == "open311" and complaint.village.name == "Genteng Kulon"
    assert complaint.reporter.name == "Siti Aminah" and complaint.reporter.phone == "+6281234567890"
    assert "Umur anak: 9" in complaint.description and "Jenjang: SMP" in complaint.description
    details = session.scalar(select(Open311Request).where(Open311Request.complaint_id == complaint.id))
    assert details.attributes == {"child_age": 9, "school_level": "smp"}
    assert details.email == "siti@example.org" and details.media_url == "https://example.org/photo.jpg"


def test_lat_long_alone_is_a_location_and_description_is_optional(post_request, session):
    r = post_request(address_string=None, lat="-8.38", long="114.21", description=None, phone=None,
                     first_name=None, last_name=None, email=None)
    assert r.status_code == 201, r.json
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == r.json[0]["service_request_id"]))
    assert (complaint.lat, complaint.lon) == (-8.38, 114.21) and complaint.reporter is None
    assert complaint.description == "Tidak bisa makan"


def test_address_id_is_a_village_code_and_an_unmatched_address_string_is_kept_as_text(post_request, session):
    r = post_request(address_string=None, address_id="35.10.09.2003")
    village = session.scalar(select(Complaint).where(Complaint.ticket == r.json[0]["service_request_id"])).village
    assert village.name == "Genteng Kulon"
    r = post_request(address_string="Jalan Mawar 3, dekat pasar")
    assert r.status_code == 201
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == r.json[0]["service_request_id"]))
    assert complaint.address == "Jalan Mawar 3, dekat pasar" and complaint.agency.code == "bwi-dinsos"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fields,status,words", [
    ({"api_key": ""}, 403, "api_key was not provided"),
    ({"api_key": "sgp_not-a-real-key"}, 403, "invalid api_key"),
    ({"service_code": ""}, 400, "service_code was not provided"),
    ({"service_code": "flood"}, 404, "service_code 'flood' was not found"),
    ({"jurisdiction_id": "atlantis"}, 404, "jurisdiction_id 'atlantis' was not found"),
    ({"address_string": None}, 400, "a location is required"),
    ({"address_string": None, "lat": "-8.3"}, 400, "lat and long both"),
    ({"address_string": None, "lat": "north", "long": "114.2"}, 400, "lat must be a number"),
    ({"address_string": None, "address_id": "99.99"}, 400, "address_id"),
    ({"service_code": "school_dropout"}, 400, "attribute[child_age] is required"),
    ({"service_code": "school_dropout", "attribute[child_age]": "nine"}, 400, "must be a number"),
    ({"service_code": "school_dropout", "attribute[child_age]": "90"}, 400, "between 3 and 21"),
    ({"service_code": "lone_elderly", "attribute[can_walk]": "maybe"}, 400, "one of: yes, no, unknown"),
    ({"attribute[shoe_size]": "42"}, 400, "no attribute 'shoe_size'"),
    ({"phone": "12"}, 400, "not a valid phone number"),
    ({"email": "not-an-address"}, 400, "not an e-mail address"),
    ({"media_url": "ftp://example.org/x"}, 400, "media_url"),
    ({"description": "x" * 4001}, 400, "longer than 4000"),
])
def test_bad_posts_get_the_spec_error_and_store_nothing(post_request, session, fmt, fields, status, words):
    before = count(session)
    assert_error(post_request(fmt, **fields), fmt, status, words)
    assert count(session) == before


def test_roles_that_may_not_submit_and_tokens_of_another_jurisdiction_get_403(post_request, make_key):
    assert_error(post_request(key=make_key("official", jurisdiction="banyuwangi")), "json", 403, "may not submit")
    srj = make_key("supervisor", jurisdiction="sabu_raijua")
    assert_error(post_request(key=srj, jurisdiction_id="banyuwangi"), "json", 403, "not for jurisdiction_id")


def test_a_retried_post_with_the_same_idempotency_key_creates_one_complaint(post_request, session):
    before = count(session)
    first = post_request(headers={"Idempotency-Key": "o311-retry-1"})
    again = post_request(headers={"Idempotency-Key": "o311-retry-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert count(session) == before + 1
    other = post_request(headers={"Idempotency-Key": "o311-retry-1"}, description="Lain lagi")
    assert_error(other, "json", 400, "different request")


def test_a_request_is_saved_with_its_open311_details_or_not_at_all(post_request, session):
    before = count(session)

    def refuse(*_args):
        raise RuntimeError("the details cannot be written")

    event.listen(Open311Request, "before_insert", refuse)
    try:
        failed = post_request(headers={"Idempotency-Key": "o311-whole"})
    finally:
        event.remove(Open311Request, "before_insert", refuse)
    assert failed.status_code == 500
    assert count(session) == before  # no complaint without its details
    again = post_request(headers={"Idempotency-Key": "o311-whole"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == again.json[0]["service_request_id"]))
    assert session.scalar(select(Open311Request.email).where(Open311Request.complaint_id == complaint.id)) \
        == "siti@example.org"


# --- GET requests -----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_are_private_without_an_api_key(client, post_request, fmt):
    ticket = post_request().json[0]["service_request_id"]
    assert_error(client.get(f"/open311/v2/requests.{fmt}"), fmt, 403, "api_key was not provided")
    assert_error(client.get(f"/open311/v2/requests/{ticket}.{fmt}"), fmt, 403, "api_key was not provided")
    assert_error(client.get(f"/open311/v2/requests.{fmt}?api_key=sgp_wrong"), fmt, 403, "invalid api_key")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_reads_back_with_deadline_agency_and_local_times(client, post_request, api_key, fmt):
    ticket = post_request(**{"media_url": "https://example.org/p.jpg"}).json[0]["service_request_id"]
    (req,) = parse(client.get(f"/open311/v2/requests/{ticket}.{fmt}?api_key={api_key}"), fmt)
    assert req["service_request_id"] == ticket and req["status"] == "open"
    assert req["service_code"] == "hunger" and req["service_name"] == "Tidak bisa makan"
    assert req["agency_responsible"] == "Dinas Sosial"
    assert req["requested_datetime"] == "2026-11-23T09:00:00+07:00"
    assert req["expected_datetime"] == "2026-11-23T13:00:00+07:00"  # the 4-hour handle deadline
    assert req["address_id"] == "35.10.09.2003" and "Genteng Kulon" in req["address"]
    assert req["media_url"] == "https://example.org/p.jpg"
    assert req["description"] == "Seorang lansia tidak makan sejak kemarin"
    assert req["status_notes"] in (None, "")
    keys = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
            "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
            "address", "address_id", "zipcode", "lat", "long", "media_url"}
    assert set(req) == keys


def test_handling_closes_the_request_with_the_officers_note_as_status_notes(client, post_request, api_key, session,
                                                                           clock):
    ticket = post_request().json[0]["service_request_id"]
    officer = Actor(kind="user", id=None, role="officer", agency_id=session.scalar(
        select(Complaint.agency_id).where(Complaint.ticket == ticket)), name="Petugas")
    clock.advance(minutes=40)
    lifecycle.handle(session, clock.now(), ticket, officer, note="Paket sembako diantar ke rumah")
    req = client.get(f"/open311/v2/requests/{ticket}.json?api_key={api_key}").json[0]
    assert req["status"] == "closed" and req["status_notes"] == "Paket sembako diantar ke rumah"
    assert req["updated_datetime"] == "2026-11-23T09:40:00+07:00"
    closed = client.get(f"/open311/v2/requests.json?api_key={api_key}&status=closed").json
    opened = client.get(f"/open311/v2/requests.json?api_key={api_key}&status=open").json
    assert ticket in [r["service_request_id"] for r in closed]
    assert ticket not in [r["service_request_id"] for r in opened]


def test_a_rejected_request_says_why(client, post_request, api_key, session, clock):
    ticket = post_request().json[0]["service_request_id"]
    supervisor = Actor(kind="user", id=None, role="supervisor", jurisdiction_id=session.scalar(
        select(Complaint.jurisdiction_id).where(Complaint.ticket == ticket)), name="Supervisor")
    lifecycle.reject(session, clock.now(), ticket, supervisor, reason="spam")
    req = client.get(f"/open311/v2/requests/{ticket}.xml?api_key={api_key}")
    assert parse(req, "xml")[0]["status_notes"] == "Ditolak: spam."


def test_status_notes_say_only_what_the_citizen_was_told_never_a_staff_note(client, post_request, api_key, session,
                                                                          clock):
    ticket = post_request().json[0]["service_request_id"]
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    officer = Actor(kind="user", id=None, role="officer", agency_id=complaint.agency_id, name="Petugas")
    supervisor = Actor(kind="user", id=None, role="supervisor", jurisdiction_id=complaint.jurisdiction_id,
                       name="Supervisor")

    def notes():
        return client.get(f"/open311/v2/requests/{ticket}.json?api_key={api_key}").json[0]["status_notes"]

    lifecycle.acknowledge(session, clock.now(), ticket, officer, note="Internal: rumahnya sulit dicari")
    assert notes() is None
    lifecycle.handle(session, clock.now(), ticket, officer, note="Paket sembako diantar")
    assert notes() == "Paket sembako diantar"  # the handling note is sent to the citizen too
    lifecycle.reopen(session, clock.now(), ticket, supervisor, note="Internal: warga protes lewat camat")
    assert notes() is None
    lifecycle.reject(session, clock.now(), ticket, supervisor, reason="out_of_scope", note="Internal: orang mabuk")
    assert notes() == "Ditolak: di luar cakupan layanan."


def test_a_partner_sees_only_its_own_requests(client, post_request, make_key, api_key):
    mine = post_request().json[0]["service_request_id"]
    other_key = make_key("partner")
    theirs = post_request(key=other_key).json[0]["service_request_id"]
    listed = [r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?api_key={api_key}").json]
    assert mine in listed and theirs not in listed
    assert_error(client.get(f"/open311/v2/requests/{theirs}.json?api_key={api_key}"), "json", 404,
                 f"service_request_id '{theirs}' was not found")
    staff = make_key("officer", agency="bwi-dinsos")
    seen = [r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?api_key={staff}").json]
    assert {mine, theirs} <= set(seen)


def test_the_api_key_may_come_as_a_bearer_or_basic_credential(client, post_request, api_key):
    import base64

    ticket = post_request().json[0]["service_request_id"]
    bearer = client.get(f"/open311/v2/requests/{ticket}.json", headers={"Authorization": f"Bearer {api_key}"})
    basic = base64.b64encode(f"partner:{api_key}".encode()).decode()
    basic_r = client.get(f"/open311/v2/requests/{ticket}.json", headers={"Authorization": f"Basic {basic}"})
    assert bearer.status_code == basic_r.status_code == 200


def test_filters_service_code_and_service_request_id(client, post_request, api_key):
    hunger = post_request().json[0]["service_request_id"]
    school = post_request(**{"service_code": "school_dropout", "attribute[child_age]": "10"}).json[0][
        "service_request_id"]
    only_school = client.get(f"/open311/v2/requests.json?api_key={api_key}&service_code=school_dropout").json
    assert [r["service_request_id"] for r in only_school] == [school]
    both = client.get(f"/open311/v2/requests.json?api_key={api_key}&service_code=school_dropout,hunger").json
    assert {r["service_request_id"] for r in both} == {hunger, school}
    # service_request_id overrides every other argument, the status filter included.
    picked = client.get(f"/open311/v2/requests.json?api_key={api_key}&service_request_id={hunger},{school}"
                        f"&status=closed&service_code=medical_care").json
    assert {r["service_request_id"] for r in picked} == {hunger, school}


def test_the_default_window_is_the_last_90_days_and_a_range_may_not_span_more(client, post_request, api_key,
                                                                               clock):
    ticket = post_request().json[0]["service_request_id"]
    clock.advance(days=91)
    listed = client.get(f"/open311/v2/requests.json?api_key={api_key}").json
    assert ticket not in [r["service_request_id"] for r in listed]
    found = client.get(f"/open311/v2/requests.json?api_key={api_key}&start_date=2026-11-20T00:00:00Z").json
    assert ticket in [r["service_request_id"] for r in found]
    by_end = client.get(f"/open311/v2/requests.json?api_key={api_key}&end_date=2026-11-24").json
    assert ticket in [r["service_request_id"] for r in by_end]
    offset = client.get(f"/open311/v2/requests.json", query_string={
        "api_key": api_key, "start_date": "2026-11-23T09:00:00+07:00", "end_date": "2026-11-23T09:00:00+07:00"}).json
    assert [r["service_request_id"] for r in offset] == [ticket]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query,words", [
    ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "may not span more than 90 days"),
    ("start_date=2026-11-23T00:00:00Z&end_date=2026-11-01T00:00:00Z", "end_date is before start_date"),
    ("start_date=yesterday", "start_date must be a w3 date-time"),
    ("end_date=2026-11-23T00:00:00", "end_date needs a time zone"),
    ("status=pending", "status must be open or closed"),
    ("service_code=flood", "unknown service_code 'flood'"),
])
def test_bad_request_filters_are_400(client, api_key, fmt, query, words):
    assert_error(client.get(f"/open311/v2/requests.{fmt}?api_key={api_key}&{query}"), fmt, 400, words)


def test_an_unknown_jurisdiction_on_requests_is_404(client, api_key):
    assert_error(client.get(f"/open311/v2/requests.xml?api_key={api_key}&jurisdiction_id=atlantis"), "xml", 404,
                 "jurisdiction_id 'atlantis' was not found")


def test_the_rate_limit_answers_429_with_retry_after_in_the_spec_format(app, client, api_key):
    app.config["SIGAP_API_RATE_LIMIT"] = "3/minute"
    codes = [client.get(f"/open311/v2/requests.xml?api_key={api_key}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = client.get(f"/open311/v2/requests.xml?api_key={api_key}")
    assert_error(r, "xml", 429, "too many requests")
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_a_body_too_large_is_413_in_the_spec_format(post_request):
    r = post_request(description="x" * 2_000_000)
    assert_error(r, "json", 413, "too large")


def test_times_are_shown_in_the_jurisdictions_own_zone(client, make_key, post_request):
    key = make_key("partner")
    r = post_request(key=key, jurisdiction_id="sabu_raijua", address_string=None, lat="-10.5", long="121.8",
                     service_code="hunger")
    assert r.status_code == 201, r.json
    ticket = r.json[0]["service_request_id"]
    assert ticket.startswith("SRJ-")
    req = client.get(f"/open311/v2/requests/{ticket}.json?api_key={key}&jurisdiction_id=sabu_raijua").json[0]
    assert req["requested_datetime"] == "2026-11-23T10:00:00+08:00"
    assert client.get(f"/open311/v2/requests/{ticket}.json?api_key={key}").status_code == 404  # default: banyuwangi


def test_control_characters_never_break_the_xml(client, post_request, api_key):
    ticket = post_request(description="Tolong\x0b segera\x01 datang").json[0]["service_request_id"]
    (req,) = parse(client.get(f"/open311/v2/requests/{ticket}.xml?api_key={api_key}"), "xml")
    assert req["description"] == "Tolong segera datang"


def test_the_default_jurisdiction_can_be_configured(app, client):
    app.config["OPEN311_DEFAULT_JURISDICTION"] = "sabu_raijua"
    services = {s["service_code"]: s for s in client.get("/open311/v2/services.json").json}
    assert services["medical_care"]["group"] == "Triase"  # Sabu Raijua's routing, not Banyuwangi's


def test_a_request_in_triage_says_so_and_english_is_on_request(post_request, make_key):
    key = make_key("partner")
    r = post_request(key=key, jurisdiction_id="sabu_raijua", service_code="medical_care", address_string=None,
                     lat="-10.5", long="121.8", locale="en")
    assert r.status_code == 201
    assert r.json[0]["service_notice"].startswith("Waiting for the regency to assign an agency; to be handled by")
    assert "WITA" in r.json[0]["service_notice"]
