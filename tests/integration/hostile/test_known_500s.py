"""The inputs that gave a 500 when Sigap was attacked from outside (issue 13, item 10), each now a
clean refusal (or stored cleaned) that changes nothing else. Several failed on PostgreSQL only,
which can neither store nor compare text holding NUL and whose integer columns end at 2**31."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from app.models import Agency, Complaint, Event, SlaPolicy, User
from tests.integration.hostile.conftest import TELEGRAM_SECRET
from tests.integration.hostile.targets import deep_json, deep_object

HUGE = "1" + "0" * 30


def _act(client, headers, ticket, **body):
    return client.post(f"/api/v1/complaints/{ticket}/actions", data=json.dumps(body),
                       content_type="application/json", headers=headers)


def _events(session, complaint) -> int:
    """The complaint's trail, less who looked at it (opening its page records a view)."""
    session.expire_all()
    return session.scalar(select(func.count(Event.id)).where(Event.complaint_id == complaint.id,
                                                            Event.kind != "viewed"))


def test_an_api_action_named_by_a_list_or_an_object_is_refused_with_422(client, tokens, complaint, session):
    before = _events(session, complaint)
    for action in (["acknowledge"], {"acknowledge": True}, 7, None):
        response = _act(client, tokens["admin"], complaint.ticket, action=action)
        assert response.status_code == 422, (action, response.get_data(as_text=True))
        assert response.json["error"]["code"] == "validation_failed"
    assert _events(session, complaint) == before


def test_duplicate_of_and_of_ticket_given_as_a_number_or_an_object_are_refused_with_422(client, tokens, complaint,
                                                                                        session):
    before = _events(session, complaint)
    for value in (17, 2 ** 63, 1.5, True, {"ticket": complaint.ticket}, [complaint.ticket]):
        rejected = _act(client, tokens["admin"], complaint.ticket, action="reject", reason="duplicate",
                        duplicate_of=value)
        linked = _act(client, tokens["admin"], complaint.ticket, action="link_repeat", of_ticket=value)
        for response, field in ((rejected, "duplicate_of"), (linked, "of_ticket")):
            assert response.status_code == 422, (field, value, response.get_data(as_text=True))
            assert field in response.json["error"]["message"]
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == "assigned"
    assert _events(session, complaint) == before


def test_json_nested_3000_deep_is_a_400_on_the_api_and_on_the_telegram_webhook(client, tokens, complaint):
    for body in (deep_json(), deep_object(), '{"action": ' + deep_json() + "}"):
        for path in ("/api/v1/complaints", f"/api/v1/complaints/{complaint.ticket}/actions"):
            response = client.post(path, data=body, content_type="application/json", headers=tokens["admin"])
            assert response.status_code == 400, (path, response.get_data(as_text=True)[:200])
            assert response.json["error"]["code"] == "bad_request"
        response = client.post("/webhooks/telegram", data=body, content_type="application/json",
                               headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
        assert response.status_code == 400, response.get_data(as_text=True)[:200]


def test_nesting_a_little_deeper_than_any_request_needs_is_refused_too(client, tokens):
    body = {"jurisdiction": "banyuwangi", "category": "hunger", "description": "x",
            "reporter": json.loads("[" * 200 + "]" * 200)}
    response = client.post("/api/v1/complaints", data=json.dumps(body), content_type="application/json",
                           headers=tokens["admin"])
    assert response.status_code == 400


def test_staff_filters_with_huge_numbers_or_nul_answer_a_page_not_an_error(browsers):
    supervisor, officer, admin = browsers["supervisor"], browsers["officer"], browsers["admin"]
    for value in (HUGE, str(2 ** 63), "\u00b2", "-1", "abc"):
        for browser, path in ((supervisor, "/dashboard"), (supervisor, "/dashboard/data.json"), (officer, "/queue")):
            response = browser.get(path, query_string={"district": value})
            assert response.status_code == 400, (path, value, response.status_code)
            assert response.mimetype == "text/html" and "district" in response.get_data(as_text=True).lower()
    for name in ("agency", "category", "state", "status"):
        for browser, path in ((supervisor, "/dashboard"), (supervisor, "/dashboard/data.json"), (officer, "/queue")):
            assert browser.get(path, query_string={name: "bwi-dinsos\x00"}).status_code == 200, (path, name)
    for path in ("/performance/", "/performance/report.csv", "/performance/trend.csv", "/performance/histogram.csv",
                 "/performance/breaches-by-district.csv"):
        for value in ("banyuwangi\x00", HUGE):
            response = admin.get(path, query_string={"jurisdiction": value})
            assert response.status_code < 500, (path, value, response.status_code)
    assert supervisor.get("/triage", query_string={"district": HUGE, "agency": "\x00"}).status_code == 200


def test_a_ticket_holding_nul_names_no_complaint(browsers, client, tokens, complaint):
    for ticket in ("%00", f"{complaint.ticket}%00", "BWI-2026-%00"):
        page = browsers["officer"].get(f"/complaints/{ticket}")
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert browsers["officer"].get(f"/complaints/{ticket}/files/x.jpg").status_code == 404
        assert client.get(f"/api/v1/complaints/{ticket}", headers=tokens["admin"]).status_code == 404


def test_settings_refuse_ids_beyond_any_row_and_store_agency_names_without_nul(browsers, session):
    admin = browsers["admin"]
    admin.get("/settings/users")
    for value in (HUGE, str(2 ** 63), "\u00b2", "-1"):
        response = admin.post("/settings/users", {"unlock": value})
        assert response.status_code == 422, (value, response.status_code)
    admin.get("/settings/agencies")
    response = admin.post("/settings/agencies/bwi-dinsos", {"name": "Dinas\x00 Sosial", "head_name": "Ibu\x00 Ani",
                                                              "head_title": "Kepala\x00", "duty_phone": ""})
    assert response.status_code == 303
    session.expire_all()
    agency = session.scalar(select(Agency).where(Agency.code == "bwi-dinsos"))
    assert (agency.name, agency.head_name, agency.head_title) == ("Dinas Sosial", "Ibu Ani", "Kepala")
    assert admin.post("/settings/agencies/bwi-dinsos%00", {"name": "x"}).status_code == 404
    for rule in (HUGE, str(2 ** 63)):
        assert admin.post(f"/settings/routing/{rule}", {"agency": "bwi-dinsos"}).status_code == 404
        assert admin.post(f"/settings/routing/{rule}", {"remove": "1"}).status_code == 404


def test_a_policy_dated_in_year_1_or_9999_is_refused_by_the_settings_form_and_by_sla_set_target(app, browsers,
                                                                                             session):
    count = session.scalar(select(func.count(SlaPolicy.id)))
    admin = browsers["admin"]
    admin.get("/settings/policies")
    for day in ("0001-01-01", "9999-12-31"):
        for button in ("preview", "save"):
            response = admin.post("/settings/policies", {"jurisdiction": "banyuwangi", "effective_date": day,
                                                          "effective_time": "00:00", "handle_minutes": "120",
                                                          button: "1"})
            assert response.status_code == 422, (day, button, response.status_code)
    runner = app.test_cli_runner()
    for when in ("0001-01-01 00:00", "9999-12-31 23:59", "0001-01-01T00:00:00+07:00"):
        result = runner.invoke(args=["sla", "set-target", "--jurisdiction", "banyuwangi", "--handle-minutes", "120",
                                     "--effective-from", when])
        assert result.exit_code == 1 and "Traceback" not in result.output, (when, result.output)
        assert "2000 to 2099" in result.output
    session.expire_all()
    assert session.scalar(select(func.count(SlaPolicy.id))) == count


def test_a_walk_in_report_dated_in_year_1_is_explained_not_a_crash(browsers, session):
    officer = browsers["officer"]
    officer.get("/intake")
    count = session.scalar(select(func.count(Complaint.id)))
    response = officer.post("/intake", {"jurisdiction": "banyuwangi", "category": "hunger", "district": "Glagah",
                                        "description": "Lansia tidak makan", "received_date": "0001-01-01",
                                        "received_time": "00:00", "channel": "counter"})
    assert response.status_code == 422
    session.expire_all()
    assert session.scalar(select(func.count(Complaint.id))) == count


def test_the_action_forms_refuse_a_huge_assignee_and_a_nul_of_ticket_or_agency_and_change_nothing(browsers, complaint,
                                                                                                 session):
    before = _events(session, complaint)
    for role in ("officer", "supervisor"):
        browser = browsers[role]
        browser.get(f"/complaints/{complaint.ticket}")
        for form in ({"action": "assign", "assignee": HUGE}, {"action": "assign", "assignee": str(2 ** 63)},
                     {"action": "assign", "assignee": "\u00b2"}, {"action": "assign", "agency": "\x00"},
                     {"action": "transfer", "agency": "\x00"}, {"action": "link_repeat", "of_ticket": "\x00"},
                     {"action": "link_repeat", "of_ticket": "BWI-2026-\x00"},
                     {"action": "reject", "reason": "duplicate", "duplicate_of": "\x00BWI", "note": "sama",
                      "confirmed": "1"}):
            response = browser.post(f"/complaints/{complaint.ticket}/actions", form)
            assert response.status_code == 303, (role, form, response.status_code)
    session.expire_all()
    stored = session.get(Complaint, complaint.id)
    assert (stored.status, stored.assignee_id) == ("assigned", None)
    assert _events(session, complaint) == before


def test_an_assignee_or_official_named_by_a_huge_id_is_unknown_on_the_api(client, tokens, complaint, session):
    for value in (10 ** 30, HUGE, 2 ** 63):
        response = _act(client, tokens["admin"], complaint.ticket, action="assign", assignee=value)
        assert response.status_code == 422 and "unknown staff user" in response.json["error"]["message"]
        response = client.post("/api/v1/contracts", data=json.dumps({"official": value, "period": "2027-Q1",
                                                                     "on_time_rate": 0.9}),
                               content_type="application/json", headers=tokens["admin"])
        assert response.status_code == 422 and "unknown official" in response.json["error"]["message"]
    session.expire_all()
    assert session.get(Complaint, complaint.id).assignee_id is None


def test_the_contract_form_refuses_an_official_named_by_a_huge_id(browsers, session):
    admin = browsers["admin"]
    admin.get("/performance/contracts")
    before = session.scalar(select(func.count(User.id)))
    response = admin.post("/performance/contracts", {"official": HUGE, "period": "2027-Q1", "on_time_rate": "90"})
    assert response.status_code == 302  # back to the form, with the reason
    assert "unknown official" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count(User.id))) == before


def test_open311_dates_in_year_1_or_9999_are_a_400_in_the_specs_error_format(client, open311_key):
    for name in ("start_date", "end_date"):
        for value in ("0001-01-01", "9999-12-31", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+07:00"):
            response = client.get("/open311/v2/requests.json", query_string={"api_key": open311_key, name: value})
            assert response.status_code == 400, (name, value, response.get_data(as_text=True))
            assert response.json[0]["code"] == 400 and name in response.json[0]["description"]


def test_a_reporter_language_that_is_not_text_is_no_server_error(client, tokens):
    for language in (7, 1.5, True, ["id"], {"code": "id"}):
        body = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
                "description": "Lansia tidak makan", "reporter": {"phone": "081234567890", "language": language}}
        response = client.post("/api/v1/complaints", data=json.dumps(body), content_type="application/json",
                               headers=tokens["admin"])
        assert response.status_code in (201, 422), (language, response.get_data(as_text=True))


def test_a_staff_user_or_token_whose_name_or_phone_cannot_be_stored_is_refused(browsers, session):
    admin = browsers["admin"]
    admin.get("/settings/users")
    users = session.scalar(select(func.count(User.id)))
    base = {"username": "petugas.baru", "name": "Petugas Baru", "role": "officer", "agency": "bwi-dinsos",
            "password": "kata-sandi-panjang-2026"}
    for change in ({"name": "x" * 201}, {"phone": "<script>"}, {"phone": HUGE}, {"email": "a@" + "b" * 300}):
        response = admin.post("/settings/users", {**base, **change})
        assert response.status_code == 422, (change, response.status_code)
    admin.get("/settings/tokens")
    response = admin.post("/settings/tokens", {"role": "partner", "name": "x" * 121, "jurisdiction": "banyuwangi"})
    assert response.status_code == 422
    response = admin.post("/settings/users", {**base, "phone": "0812 3456 7890"})
    assert response.status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count(User.id))) == users + 1
    assert session.scalar(select(User.phone).where(User.username == "petugas.baru")) == "+6281234567890"
