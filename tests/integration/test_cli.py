"""The flask commands of seed, gazetteer, users, tokens, sla and audit, run as an operator would."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from app.models import ApiToken, Complaint, District, Event, Jurisdiction, SlaPolicy, User
from app.services.access import accounts
from app.services.errors import ValidationFailed
from app.services.sla import policies


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(args=list(args), input=input)

    return invoke


def _policies(session, code="banyuwangi"):
    return list(session.scalars(select(SlaPolicy).join(Jurisdiction).where(Jurisdiction.code == code)
                                .order_by(SlaPolicy.effective_from, SlaPolicy.id)))


def test_seed_demo_on_a_seeded_database_has_nothing_to_do(run):
    first = run("seed", "demo")  # the test database has the seed but not the demo contacts
    assert first.exit_code == 0, first.output
    assert "demo escalation contacts" in first.output
    result = run("seed", "demo")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "demo data already present: nothing to do"


def test_tokens_create_prints_a_token_once_that_authenticates_and_only_its_hash_is_stored(run, session, clock):
    result = run("tokens", "create", "--role", "officer", "--agency", "bwi-dinsos", "--name", "field tablet")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("sgp_") and "\n" not in secret
    assert "shown once" in result.stderr

    token = accounts.authenticate_token(session, secret, clock.now())
    assert token is not None and token.role == "officer" and token.agency.code == "bwi-dinsos"
    assert token.name == "field tablet"
    stored = session.scalar(select(ApiToken).where(ApiToken.id == token.id))
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (stored.token_hash, stored.prefix)


def test_tokens_revoke_by_prefix_stops_the_token(run, session, clock):
    secret = run("tokens", "create", "--role", "partner", "--name", "open data portal").stdout.strip()
    result = run("tokens", "revoke", secret[:12])
    assert result.exit_code == 0, result.output
    assert f"token {secret[:12]} revoked" in result.output
    assert accounts.authenticate_token(session, secret, clock.now()) is None


def test_token_and_user_mistakes_are_one_clean_line(run):
    cases = [
        (("tokens", "create", "--role", "officer"), "role officer needs an agency"),
        (("tokens", "create", "--role", "officer", "--agency", "bwi-nope"), "no agency with code 'bwi-nope'"),
        (("tokens", "revoke", "sgp_nothinghere"), "no token starts with"),
        (("users", "create", "--username", "admin", "--name", "A", "--role", "admin"), "already taken"),
        (("users", "create", "--username", "x", "--name", "X", "--role", "officer", "--agency", "bwi-dinsos"),
         "username must be"),
        (("users", "create", "--username", "new.officer", "--name", "N", "--role", "agency_head"), "needs an agency"),
        (("users", "create", "--username", "p.w", "--name", "P", "--role", "admin", "--password", "short"),
         "at least 10 characters"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output and result.output.startswith("Error: ")
    assert "Invalid value for '--role'" in run("users", "create", "--username", "a.b", "--name", "A",
                                               "--role", "mayor").output


def test_users_create_without_a_password_generates_one_that_works(run, session):
    result = run("users", "create", "--username", "siti.officer", "--name", "Siti Aminah", "--role", "officer",
                 "--agency", "bwi-dispendik", "--email", "siti@example.org")
    assert result.exit_code == 0, result.output
    assert "created user siti.officer (officer of bwi-dispendik)" in result.output
    password = result.output.split("password (shown once):")[1].strip()
    user = session.scalar(select(User).where(User.username == "siti.officer"))
    assert accounts.verify_password(user.password_hash, password)
    assert user.agency.code == "bwi-dispendik" and user.jurisdiction_id == user.agency.jurisdiction_id


def test_users_create_can_ask_for_the_password(run, session):
    result = run("users", "create", "--username", "budi.head", "--name", "Budi", "--role", "supervisor",
                 "--jurisdiction", "sabu_raijua", "--ask-password", input="a long secret\na long secret\n")
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    user = session.scalar(select(User).where(User.username == "budi.head"))
    assert accounts.verify_password(user.password_hash, "a long secret")


def test_sla_set_target_adds_the_two_hour_rule_from_a_local_date(run, session):
    before = _policies(session)
    result = run("sla", "set-target", "--jurisdiction", "banyuwangi", "--handle-minutes", "120",
                 "--effective-from", "2027-01-01 00:00", "--note", "Perbup 2-hour rule")
    assert result.exit_code == 0, result.output
    open_count = session.scalar(select(func.count(Complaint.id)).where(Complaint.status.in_(
        ("received", "triage", "assigned", "acknowledged"))))
    assert "handle 120 min, acknowledge 30 min, effective 2027-01-01 00:00 WIB" in result.output
    assert f"{open_count} open complaint(s) keep their deadlines" in result.output

    after = _policies(session)
    assert len(after) == len(before) + 1
    new, old = after[-1], before[-1]
    assert new.effective_from == datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)
    assert (new.handle_minutes, new.acknowledge_minutes, new.category_id, new.note) == (
        120, 30, None, "Perbup 2-hour rule")
    assert new.escalation_ladder == old.escalation_ladder and new.reminder_fractions == old.reminder_fractions
    assert old.handle_minutes == 240


def test_sla_set_target_reads_an_explicit_offset_and_sabu_raijua_local_time(run, session):
    assert run("sla", "set-target", "--jurisdiction", "sabu_raijua", "--handle-minutes", "120",
               "--effective-from", "2027-01-01 00:00").exit_code == 0
    assert _policies(session, "sabu_raijua")[-1].effective_from == datetime(2026, 12, 31, 16, tzinfo=timezone.utc)
    result = run("sla", "set-target", "--jurisdiction", "banyuwangi", "--handle-minutes", "120",
                 "--effective-from", "2027-02-01T00:00:00Z", "--category", "hunger", "--ack-minutes", "15")
    assert result.exit_code == 0, result.output
    hunger = _policies(session)[-1]
    assert hunger.category.code == "hunger" and hunger.acknowledge_minutes == 15
    assert hunger.effective_from == datetime(2027, 2, 1, tzinfo=timezone.utc)
    assert "effective 2027-02-01 07:00 WIB" in result.output
    # A later change of the default leaves the hunger category on its own version, and says so.
    result = run("sla", "set-target", "--jurisdiction", "banyuwangi", "--handle-minutes", "180",
                 "--effective-from", "2027-03-01 00:00")
    assert "categories with their own policy are not changed by this: hunger" in result.output


def test_sla_set_target_refuses_bad_targets_and_dates_cleanly(run, session):
    before = len(_policies(session))
    cases = [
        (("--handle-minutes", "0", "--effective-from", "2027-01-01 00:00"), "between 1 and"),
        (("--handle-minutes", "20", "--effective-from", "2027-01-01 00:00"), "cannot be longer than the handle"),
        (("--handle-minutes", "120", "--ack-minutes", "-5", "--effective-from", "2027-01-01"), "between 1 and"),
        (("--handle-minutes", "120", "--effective-from", "2025-06-01 00:00"), "must not be earlier than"),
        (("--handle-minutes", "120", "--effective-from", "next tuesday"), "cannot read 'next tuesday'"),
        (("--handle-minutes", "120", "--effective-from", "2027-01-01", "--category", "nope"), "no category 'nope'"),
    ]
    for args, message in cases:
        result = run("sla", "set-target", "--jurisdiction", "banyuwangi", *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output, (args, result.output)
    result = run("sla", "set-target", "--jurisdiction", "atlantis", "--handle-minutes", "120",
                 "--effective-from", "2027-01-01")
    assert result.exit_code == 1 and "no jurisdiction 'atlantis'" in result.output
    result = run("sla", "told-of", "--jurisdiction", "atlantis", "--level", "camat", "--deadlines", "handle")
    assert result.output.strip() == "Error: no jurisdiction 'atlantis' (known: banyuwangi, sabu_raijua)"
    result = run("sla", "set-target", "--jurisdiction", "banyuwangi", "--category", "nope", "--handle-minutes", "120",
                 "--effective-from", "2027-01-01")
    assert result.output.strip() == ("Error: no category 'nope' (known: hunger, lone_elderly, medical_care, "
                                     "school_dropout, uninhabitable_house)")
    assert len(_policies(session)) == before


def test_a_categorys_first_version_copies_the_jurisdiction_default(session, clock):
    default = _policies(session)[-1]
    starts = datetime(2027, 1, 1, tzinfo=timezone.utc)
    policy = policies.set_target(session, clock.now(), jurisdiction_code="banyuwangi", handle_minutes=60,
                                 effective_from=starts, category_code="medical_care")
    assert policy.category.code == "medical_care" and policy.handle_minutes == 60
    assert (policy.acknowledge_minutes, policy.escalation_ladder, policy.calendar) == (
        default.acknowledge_minutes, default.escalation_ladder, default.calendar)
    with pytest.raises(ValidationFailed, match="needs a time zone"):
        policies.set_target(session, clock.now(), jurisdiction_code="banyuwangi", handle_minutes=60,
                            effective_from=datetime(2027, 1, 1))


def test_gazetteer_import_from_the_command_line(run, session):
    result = run("gazetteer", "import", "--regency", "52.01", "--jurisdiction", "lombok_barat", "--prefix", "LBR")
    assert result.exit_code == 0, result.output
    assert "Kabupaten Lombok Barat (lombok_barat, Asia/Makassar, prefix LBR) created" in result.output
    lombok = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "lombok_barat"))
    assert session.scalar(select(func.count(District.id)).where(District.jurisdiction_id == lombok.id)) > 0
    again = run("gazetteer", "import", "--regency", "52.01")
    assert again.exit_code == 0 and "already up to date" in again.output


def test_gazetteer_import_errors_are_clean(run, app, tmp_path):
    result = run("gazetteer", "import", "--regency", "99.99")
    assert result.exit_code == 1 and "no regency with code 99.99" in result.output
    assert "Traceback" not in result.output
    app.extensions["sigap"].settings.gazetteer_dir = tmp_path
    result = run("gazetteer", "import", "--regency", "35.10")
    assert result.exit_code == 1 and "npm ci" in result.output


def test_audit_verify_on_an_untouched_database_passes(run, session):
    total = session.scalar(select(func.count(Complaint.id)))
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"all {total} complaints verify, and every post's holders match its trail"


def _hunger_report(session, now):
    from app.services import intake

    return intake.submit(session, now, jurisdiction="banyuwangi", category="hunger", village="Sarongan",
                         description="Seorang nenek belum makan sejak kemarin")


def test_after_the_two_hour_rule_new_complaints_get_two_hours_and_open_ones_keep_four(run, session, clock):
    old = _hunger_report(session, clock.now())
    assert old.handle_due_at - old.received_at == timedelta(hours=4)

    result = run("sla", "set-target", "--jurisdiction", "banyuwangi", "--handle-minutes", "120",
                 "--effective-from", "2026-11-23 09:30")
    assert result.exit_code == 0, result.output
    assert "open complaint(s) keep their deadlines" in result.output
    clock.advance(minutes=45)
    new = _hunger_report(session, clock.now())
    session.refresh(old)
    assert new.handle_due_at - new.received_at == timedelta(hours=2)
    assert old.handle_due_at - old.received_at == timedelta(hours=4)


def test_audit_verify_names_a_complaint_whose_trail_was_edited_behind_the_apps_back(run, session, clock):
    complaint = _hunger_report(session, clock.now())
    assert run("audit", "verify").exit_code == 0
    session.execute(update(Event).where(Event.complaint_id == complaint.id, Event.seq == 1)
                    .values(note="nothing happened"))
    session.commit()
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert f"{complaint.ticket} event 1 (received): content does not match its hash" in result.stdout
    assert "complaints fail verification" in result.stderr


def _signed_in(app, username: str, password: str = "sigap-demo-2026"):
    import re

    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/signin", data={"csrf_token": token, "username": username, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def _still_signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def test_users_set_password_set_role_deactivate_and_sign_out_end_the_users_sessions(app, run, session):
    cases = [
        (("users", "set-password", "supervisor", "--password", "a-brand-new-secret"), "earlier sessions have ended"),
        (("users", "set-role", "supervisor", "--role", "supervisor", "--jurisdiction", "sabu_raijua"),
         "is now supervisor"),
        (("users", "sign-out", "supervisor"), "every session of supervisor has ended"),
        (("users", "deactivate", "supervisor"), "supervisor deactivated"),
    ]
    password = "sigap-demo-2026"
    for args, message in cases:
        client = _signed_in(app, "supervisor", password)
        assert _still_signed_in(client)
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert message in result.output
        assert not _still_signed_in(client), args
        password = "a-brand-new-secret"
    result = run("users", "activate", "supervisor")
    assert result.exit_code == 0 and "supervisor activated" in result.output
    assert _still_signed_in(_signed_in(app, "supervisor", password))


def test_users_activate_and_deactivate_say_when_nothing_changed(run):
    assert run("users", "activate", "supervisor").output.strip() == "supervisor already is active"
    assert run("users", "deactivate", "supervisor").output.strip() == "supervisor deactivated; their sessions have ended"
    assert run("users", "deactivate", "supervisor").output.strip() == "supervisor already is inactive"
    assert run("users", "activate", "supervisor").output.strip() == "supervisor activated"
    assert run("users", "activate", "nobody.here").output.startswith("Error: no user 'nobody.here'")


def test_users_set_role_to_the_same_role_keeps_the_sessions(app, run):
    client = _signed_in(app, "official")
    result = run("users", "set-role", "official", "--role", "official", "--jurisdiction", "banyuwangi")
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert _still_signed_in(client)


def test_users_clear_throttle_lets_anyone_try_that_username_again(run, session, clock):
    from app.services.access import web_auth

    for name in ("officer.disperkim", "not.a.user"):
        outcomes = [web_auth.sign_in(session, clock.now(), name, "wrong-password-123", "192.0.2.77").outcome
                    for _ in range(6)]
        assert outcomes == ["invalid"] * 5 + ["throttled"]
        result = run("users", "clear-throttle", name.upper())
        assert result.exit_code == 0, result.output
        assert f"sign-in throttle of '{name}' cleared" in result.output
        assert web_auth.sign_in(session, clock.now(), name, "wrong-password-123", "192.0.2.77").outcome == "invalid"


def test_user_changes_for_an_unknown_user_are_one_clean_line(run):
    for args in (("users", "set-password", "nobody.here", "--password", "long enough secret"),
                 ("users", "set-role", "nobody.here", "--role", "admin"),
                 ("users", "deactivate", "nobody.here"), ("users", "sign-out", "nobody.here")):
        result = run(*args)
        assert result.exit_code == 1 and result.output.startswith("Error: no user 'nobody.here'"), result.output


def test_a_supervisor_official_or_camat_without_a_jurisdiction_is_refused_unless_explicitly_province_wide(
        run, session):
    for args in (("tokens", "create", "--role", "supervisor"),
                 ("users", "create", "--username", "rina.two", "--name", "Rina", "--role", "official")):
        result = run(*args)
        assert result.exit_code == 1 and "needs a jurisdiction (--jurisdiction CODE, or --all-jurisdictions" \
            in result.output, result.output
    result = run("tokens", "create", "--role", "camat", "--jurisdiction", "banyuwangi")
    assert result.exit_code == 1 and "role camat needs a kecamatan (--district" in result.output
    result = run("tokens", "create", "--role", "camat", "--all-jurisdictions")
    assert result.exit_code == 1 and "only a supervisor or official" in result.output
    assert session.scalar(select(func.count(User.id)).where(User.username == "rina.two")) == 0

    wide = run("users", "create", "--username", "inspektorat", "--name", "Inspektorat Provinsi", "--role",
               "official", "--all-jurisdictions")
    assert wide.exit_code == 0 and "in every jurisdiction (province-wide)" in wide.output, wide.output
    camat = run("users", "create", "--username", "camat.genteng", "--name", "Camat Genteng", "--role", "camat",
                "--jurisdiction", "banyuwangi", "--district", "Genteng")
    assert camat.exit_code == 0 and "kecamatan Genteng" in camat.output, camat.output
    token = run("tokens", "create", "--role", "supervisor", "--all-jurisdictions")
    assert token.exit_code == 0, token.output
    stored = session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    assert stored.all_jurisdictions and stored.jurisdiction_id is None
    genteng = session.scalar(select(District).where(District.name == "Genteng"))
    assert session.scalar(select(User).where(User.username == "camat.genteng")).district_id == genteng.id

    listed = run("users", "list")
    assert listed.exit_code == 0
    lines = {line.split("\t")[0]: line for line in listed.output.splitlines()}
    assert "in every jurisdiction (province-wide)" in lines["inspektorat"]
    assert "in banyuwangi, kecamatan Genteng" in lines["camat.genteng"]
    assert "province-wide" not in lines["supervisor"]


def test_sla_told_of_tells_a_ladder_level_of_missed_deadlines_from_a_new_version(run, session):
    before = _policies(session)[-1]
    result = run("sla", "told-of", "--jurisdiction", "banyuwangi", "--level", "camat", "--deadlines", "handle")
    assert result.exit_code == 0, result.output
    after = _policies(session)[-1]
    assert after.id != before.id and after.handle_minutes == before.handle_minutes
    assert [e for e in after.escalation_ladder if e["level"] == "camat"][0]["told_of"] == ["handle"]
    refused = run("sla", "told-of", "--jurisdiction", "banyuwangi", "--level", "camat", "--deadlines", "lunch")
    assert refused.exit_code == 1 and "unknown deadline 'lunch'" in refused.output
    refused = run("sla", "told-of", "--jurisdiction", "banyuwangi", "--level", "lurah", "--deadlines", "handle")
    assert refused.exit_code == 1 and "not on this policy's ladder" in refused.output
