"""A web session ends on the server: after sign-out, a new password, a new role or deactivation, a
copy of an earlier session cookie opens nothing."""
from __future__ import annotations

from sqlalchemy import select

from app.models import User


def _cookie(browser) -> str:
    return browser.client.get_cookie("session").value


def _replay(app, cookie: str):
    """A second browser that holds a copy of the cookie (as a thief would)."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def _refused(client, page="/dashboard") -> bool:
    response = client.get(page)
    return response.status_code == 302 and "/signin" in response.headers["Location"]


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, browser):
    browser.sign_in("supervisor")
    copied = _cookie(browser)
    assert _replay(app, copied).get("/dashboard").status_code == 200
    browser.sign_out()
    assert _refused(_replay(app, copied))
    assert _replay(app, copied).get("/dashboard/data.json").status_code == 401
    assert browser.sign_in("supervisor").status_code == 302  # signing in again works
    assert browser.get("/dashboard").status_code == 200


def test_sign_out_ends_the_users_other_sessions_too(app, browser_at):
    phone, laptop = browser_at("203.0.113.60"), browser_at("203.0.113.61")
    phone.sign_in("officer.dinsos")
    laptop.sign_in("officer.dinsos")
    phone.sign_out()
    assert _refused(laptop.client, "/queue")


def _user_id(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


def _edit(admin, user_id: int, **fields):
    data = {"role": "officer", "agency": "bwi-dinkes", "jurisdiction": "banyuwangi", "active": "1"}
    data.update(fields)
    return admin.post(f"/settings/users/{user_id}", {k: v for k, v in data.items() if v is not None})


def test_a_password_or_role_change_by_an_admin_ends_the_users_earlier_sessions(app, browser_at, session):
    officer_id = _user_id(session, "officer.dinkes")
    officer, admin = browser_at("203.0.113.70"), browser_at("203.0.113.71")
    admin.sign_in("admin")

    officer.sign_in("officer.dinkes")
    copied = _cookie(officer)
    assert _edit(admin, officer_id, password="a-new-password-2026").status_code == 303
    assert _refused(officer.client, "/queue") and _refused(_replay(app, copied), "/queue")
    assert officer.sign_in("officer.dinkes", "a-new-password-2026").status_code == 302

    copied = _cookie(officer)
    assert _edit(admin, officer_id, role="agency_head").status_code == 303
    assert _refused(officer.client, "/queue") and _refused(_replay(app, copied), "/queue")
    assert officer.sign_in("officer.dinkes", "a-new-password-2026").status_code == 302
    assert officer.get("/queue").status_code == 200  # as agency head now

    copied = _cookie(officer)
    assert _edit(admin, officer_id, role="agency_head", active=None).status_code == 303  # deactivated
    assert _refused(_replay(app, copied), "/queue")
    assert officer.sign_in("officer.dinkes", "a-new-password-2026").status_code == 401


def test_saving_a_user_unchanged_keeps_their_sessions(app, browser_at, session):
    officer, admin = browser_at("203.0.113.72"), browser_at("203.0.113.73")
    officer.sign_in("officer.dinkes")
    admin.sign_in("admin")
    assert _edit(admin, _user_id(session, "officer.dinkes")).status_code == 303
    assert officer.get("/queue").status_code == 200


def test_an_admin_who_changes_their_own_password_stays_signed_in_here_only(app, browser_at, session):
    here, elsewhere = browser_at("203.0.113.80"), browser_at("203.0.113.81")
    here.sign_in("admin")
    elsewhere.sign_in("admin")
    response = _edit(here, _user_id(session, "admin"), role="admin", agency="", jurisdiction="",
                     password="the-admins-new-password")
    assert response.status_code == 303
    assert here.get("/settings/users").status_code == 200
    assert _refused(elsewhere.client, "/settings/users")


def test_an_admin_cannot_demote_or_deactivate_themselves(browser, session):
    browser.sign_in("admin")
    admin_id = _user_id(session, "admin")
    for change in ({"role": "supervisor"}, {"role": "admin", "active": None}):
        response = _edit(browser, admin_id, agency="", jurisdiction="", **change)
        assert response.status_code == 403
        assert "another administrator" in response.get_data(as_text=True) or \
            "administrator lain" in response.get_data(as_text=True)
    user = session.get(User, admin_id)
    session.refresh(user)
    assert user.role == "admin" and user.active
    assert browser.get("/settings/users").status_code == 200


def test_a_session_id_without_the_current_session_version_is_no_session(app, session):
    client = app.test_client()
    supervisor_id = _user_id(session, "supervisor")
    for forged in (str(supervisor_id), f"{supervisor_id}:0", f"{supervisor_id}:99", f"{supervisor_id}:1:1",
                   f"{supervisor_id}:x", "99999999999999999999:1"):
        with client.session_transaction() as cookie:
            cookie["_user_id"] = forged
            cookie["_fresh"] = True
        assert _refused(client), forged
