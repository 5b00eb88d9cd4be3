"""The walk the issue asks for: every staff page, export and API response (and Open311, the staff
alerts and the partner webhooks) as agency staff finds no name or number of a confidential
reporter, and, once erased, none of an anonymous one anywhere; a supervisor still sees the
confidential reporter.

The pages are taken from the app's own URL map, so a page added later is walked too (a path
argument the walk does not know fails it: say here what it holds)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.actor import SYSTEM, Actor
from app.domain.phone import mask
from app.models import Complaint, OutboxMessage, User
from app.services import audit, intake, lifecycle
from app.services.access import accounts
from app.services.lifecycle import anonymity, closing
from app.services.messaging import partner_webhooks
from app.services.reporting import performance
from app.services.sla import escalation
from tests.conftest import without_rate_limits
from tests.integration.web.conftest import Browser

SECRET_NAME, SECRET_PHONE = "Wartini Rahasiawati", "+6281298765401"  # the confidential reporter (counter)
PARTNER_NAME, PARTNER_PHONE = "Sulastri Tersembunyi", "+6281298765402"  # confidential, through a partner
ANON_PHONE = "+6281298765403"  # the anonymous reporter (SMS)
OPEN_NAME, OPEN_PHONE = "Bambang Terbuka", "+6281298765404"  # an ordinary reporter: the walk must see him


def forms_of(phone: str) -> list[str]:
    """A number as it may be written anywhere: E.164, local, bare digits, and masked."""
    return [phone, "0" + phone[3:], phone[1:], mask(phone)]


def user_actor(session, username: str) -> Actor:
    return accounts.user_actor(session.scalar(select(User).where(User.username == username)))


@pytest.fixture
def app(app):
    return without_rate_limits(app)


@pytest.fixture
def world(session, clock):
    """Complaints of every kind, taken through their lives: assigned to officer.dinsos, acted on by
    the reporter, breached and escalated, handled, and (the anonymous one) settled and erased."""
    partner_token, partner_secret = accounts.create_token(session, clock.now(), role="partner", name="Portal Desa")
    session.commit()
    partner_webhooks.set_webhook(session, clock.now(), token_id=partner_token.id, url="https://portal.example.org/hook")
    escalation.add_demo_contacts(session, clock.now())  # the people the SLA steps alert
    session.commit()
    supervisor = user_actor(session, "supervisor")
    received = dict(jurisdiction="banyuwangi", category="hunger", district="Glagah", channel="counter",
                    received_at=clock.now() - timedelta(minutes=5), actor=supervisor)
    secret = intake.submit(session, clock.now(), description="Keluarga di belakang pasar tidak makan",
                           reporter={"name": SECRET_NAME, "phone": SECRET_PHONE}, confidentiality="rahasia",
                           **received)
    ordinary = intake.submit(session, clock.now(), description="Nenek di ujung gang tidak makan",
                             reporter={"name": OPEN_NAME, "phone": OPEN_PHONE}, **received)
    partner_actor = Actor(kind="token", id=partner_token.id, role="partner", name="Portal Desa")
    by_partner = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", district="Glagah",
                               description="Anak yatim tidak makan", actor=partner_actor, confidentiality="rahasia",
                               reporter={"name": PARTNER_NAME, "phone": PARTNER_PHONE})
    anonymous = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", district="Glagah",
                              description="Lansia sendirian tidak makan", channel="sms",
                              reporter={"phone": ANON_PHONE}, confidentiality="anonim")
    for complaint in (secret, ordinary, by_partner, anonymous):
        lifecycle.assign(session, clock.now(), complaint.ticket, supervisor, assignee="officer.dinsos")
    officer = user_actor(session, "officer.dinsos")
    # past every deadline: reminders, warnings, breaches and escalations to staff
    clock.advance(timedelta(hours=6))
    escalation.run_due_steps(session, clock.now())
    for complaint in (secret, by_partner, anonymous):
        lifecycle.handle(session, clock.now(), complaint.ticket, officer, note="Sembako diantar.")
        # the citizen answers (Telegram/SMS record them as the reporter acting)
        audit.record(session, complaint, "citizen_confirmed", clock.now(), Actor(kind="reporter", id=complaint.reporter_id))
        session.commit()
    contract = performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-Q4",
                                           on_time_rate=0.9)
    session.commit()
    ids = {name: c.reporter_id for name, c in (("secret", secret), ("partner", by_partner), ("anonymous", anonymous))}
    return {"secret": secret.ticket, "ordinary": ordinary.ticket, "partner": by_partner.ticket,
            "anonymous": anonymous.ticket, "anonymous_id": anonymous.id, "contract": contract.id,
            "partner_secret": partner_secret, "reporter_ids": ids}


def erase_anonymous(session, clock):
    clock.advance(closing.CONFIRMATION_WINDOW + timedelta(hours=1))
    closing.close_settled(session, clock.now())
    clock.advance(anonymity.KEEP_AFTER_SETTLED)
    assert anonymity.erase_settled(session, clock.now()) == 1


# --- the walk ---------------------------------------------------------------------------------------

SKIPPED = {"static", "leaflet_asset", "open311.not_found", "kannel.inbound", "kannel.status"}


def _paths(app, world) -> list[str]:
    """Every GET route of the app with its path filled: once per test complaint where it names one."""
    values = {"contract_id": [world["contract"]], "fmt": ["json", "xml"], "service_code": ["hunger"],
              "jurisdiction": ["banyuwangi"]}
    tickets = [world[k] for k in ("secret", "partner", "anonymous", "ordinary")]
    paths = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIPPED or rule.endpoint.endswith(".static"):
                continue
            if "ref" in rule.arguments or "filename" in rule.arguments:
                continue  # files: the photos themselves, walked as the complaint page's links
            unknown = set(rule.arguments) - set(values) - {"ticket", "service_request_id"}
            assert not unknown, f"{rule.endpoint}: say what {sorted(unknown)} holds in this walk"
            combos = [{}]
            for arg in rule.arguments:
                options = tickets if arg in ("ticket", "service_request_id") else values[arg]
                combos = [{**c, arg: o} for c in combos for o in options]
            paths += [url_for(rule.endpoint, **c) for c in combos]
    paths += ["/complaints?q=Wartini", "/complaints?q=Sulastri", "/performance/?group_by=official",
              "/performance/report.csv?group_by=official", "/api/v1/performance?group_by=official",
              "/api/v1/complaints?breached=true", "/api/v1/breaches?kind=handle"]
    return paths


def searches(world) -> dict[str, str]:
    """Searches by each hidden reporter's number (as typed: E.164 and local), page and export, and the
    ticket each must not find (the reader typed the number: its echo is no leak, a hit would be)."""
    found = {}
    for phone, key in ((SECRET_PHONE, "secret"), (PARTNER_PHONE, "partner"), (ANON_PHONE, "anonymous")):
        for form in forms_of(phone)[:2]:
            q = form.replace("+", "%2B")
            found[f"/complaints?q={q}"] = found[f"/complaints.csv?q={q}"] = world[key]
    return found


def assert_searches_find_nothing(reader, world, who):
    for path, ticket in searches(world).items():
        response = reader(path)
        assert response.status_code == 200 and ticket not in response.get_data(as_text=True), (who, path)


def walk(app, client_for, paths) -> str:
    """Every answer's text (status and body) for one reader, concatenated."""
    seen = []
    for path in paths:
        response = client_for(path)
        assert response.status_code < 500, (path, response.status_code)
        seen.append(f"== {path} {response.status_code}\n{response.get_data(as_text=True)}")
    return "\n".join(seen)


def web_reader(app, username):
    browser = Browser(app.test_client())
    assert browser.sign_in(username).status_code == 302
    return lambda path: browser.get(path)


def api_reader(app, session, clock, username=None, role=None, secret=None):
    if secret is None:
        user = session.scalar(select(User).where(User.username == username))
        _token, secret = accounts.create_token(session, clock.now(), role=user.role, name=f"{username} system",
                                               agency_code=user.agency.code if user.agency else None,
                                               jurisdiction_code="banyuwangi" if user.agency is None else None,
                                               user=user)
        session.commit()
    client = app.test_client()

    def get(path):
        if path.startswith("/open311/"):
            return client.get(path + ("&" if "?" in path else "?") + f"api_key={secret}")
        return client.get(path, headers={"Authorization": f"Bearer {secret}"})
    return get


def leaks(text: str, names: list[str], phones: list[str], reporter_ids: list[int]) -> list[str]:
    found = [n for n in names if n in text]
    found += [f for p in phones for f in forms_of(p) if f in text]
    found += [f'"reporter:{i}"' for i in reporter_ids if f'"reporter:{i}"' in text]
    return found


def where(text: str, needle: str) -> str:
    """The path whose answer holds `needle`, for a readable failure."""
    for chunk in text.split("\n== "):
        if needle in chunk:
            return chunk.split("\n", 1)[0]
    return "?"


AGENCY_STAFF = ("officer.dinsos", "head.dinsos")
OTHER_STAFF = ("official", "officer.dinkes")


def staff_outbox_and_webhooks(session) -> str:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_kind != "reporter")).all()
    assert any(r.recipient_kind == "staff" for r in rows) and any(r.channel == "webhook" for r in rows), \
        sorted({(r.recipient_kind, r.channel) for r in rows})
    return "\n".join(f"== outbox {r.id} {r.template}\n{r.body}\n{r.extra}" for r in rows)


def test_agency_staff_find_no_confidential_or_anonymous_reporter_anywhere_while_a_supervisor_sees_one(
        app, session, clock, world):
    paths = _paths(app, world)
    hidden_names, hidden_phones = [SECRET_NAME, PARTNER_NAME], [SECRET_PHONE, PARTNER_PHONE, ANON_PHONE]
    ids = list(world["reporter_ids"].values())
    readers = {f"web {u}": web_reader(app, u) for u in AGENCY_STAFF + OTHER_STAFF if _exists(session, u)}
    readers.update({f"api {u}": api_reader(app, session, clock, u) for u in AGENCY_STAFF + ("official",)})
    readers["api partner (submitted one of them)"] = api_reader(app, session, clock, secret=world["partner_secret"])
    for who, reader in readers.items():
        text = walk(app, reader, paths)
        found = leaks(text, hidden_names, hidden_phones, ids)
        assert not found, f"{who} sees {found} at {[where(text, f) for f in found]}"
        if who.startswith("web "):
            assert_searches_find_nothing(reader, world, who)
        if who == "web officer.dinsos":  # the walk does see reporters: the ordinary one, assigned to them
            assert OPEN_NAME in text and OPEN_PHONE in text
            assert world["ordinary"] in reader(f"/complaints?q={OPEN_PHONE.replace('+', '%2B')}").get_data(as_text=True)
            assert "Confidential report" in text or "Laporan rahasia" in text
    # what left as alerts to staff and as webhooks to the partner
    sent = staff_outbox_and_webhooks(session)
    assert not leaks(sent, hidden_names, hidden_phones, ids)

    # the supervisor still sees the confidential reporters, and never the anonymous one
    supervisor_web = walk(app, web_reader(app, "supervisor"), [f"/complaints/{world['secret']}",
                                                               f"/complaints/{world['partner']}",
                                                               f"/complaints/{world['anonymous']}"])
    assert SECRET_NAME in supervisor_web and SECRET_PHONE in supervisor_web and PARTNER_PHONE in supervisor_web
    assert not leaks(supervisor_web, [], [ANON_PHONE], [world["reporter_ids"]["anonymous"]])
    supervisor_api = api_reader(app, session, clock, "supervisor")(f"/api/v1/complaints/{world['secret']}").json
    assert supervisor_api["reporter"]["name"] == SECRET_NAME and supervisor_api["reporter"]["phone"] == SECRET_PHONE
    found = walk(app, web_reader(app, "supervisor"), [f"/complaints?q={SECRET_PHONE.replace('+', '%2B')}"])
    assert world["secret"] in found  # supervisors may find a confidential report by its reporter's number


def test_once_erased_an_anonymous_reporter_is_nowhere_for_anyone(app, session, clock, world):
    erase_anonymous(session, clock)
    paths = _paths(app, world)
    readers = {f"web {u}": web_reader(app, u) for u in ("admin", "supervisor", "officer.dinsos")}
    readers.update({f"api {u}": api_reader(app, session, clock, u) for u in ("admin", "supervisor", "officer.dinsos")})
    for who, reader in readers.items():
        text = walk(app, reader, paths)
        found = leaks(text, [], [ANON_PHONE], [world["reporter_ids"]["anonymous"]])
        assert not found, f"{who} sees {found} at {[where(text, f) for f in found]}"
        if who.startswith("web "):
            for form in forms_of(ANON_PHONE)[:2]:
                page = reader(f"/complaints?q={form.replace('+', '%2B')}").get_data(as_text=True)
                assert world["anonymous"] not in page, (who, form)
    # nor in any message kept, to anyone
    everything = "\n".join(f"{m.recipient} {m.body} {m.extra}" for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.complaint_id == world["anonymous_id"])))
    assert not leaks(everything, [], [ANON_PHONE], [])
    assert session.get(Complaint, world["anonymous_id"]).reporter_id is None


def _exists(session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username)) is not None
