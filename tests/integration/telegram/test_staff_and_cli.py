"""Staff link their Telegram with a one-time code and acknowledge from an alert's button; the
`flask telegram ...` commands talk to the (fake) Bot API."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.channels.telegram.polling import poll_once
from app.models import Event, OutboxMessage, User

STAFF_CHAT = 700100300


def _link(app, post_update, updates, username="officer.dinsos"):
    result = app.test_cli_runner().invoke(args=["telegram", "link-code", "--user", username])
    assert result.exit_code == 0, result.output
    code = re.match(r"([A-Z0-9]{8})\n", result.output).group(1)
    updates.chat_id, updates.first_name = STAFF_CHAT, "Petugas"
    post_update(updates.message(f"/link {code}"))
    return code


def test_a_staff_user_links_telegram_with_a_one_time_code(app, post_update, updates, session):
    code = _link(app, post_update, updates)
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    assert user.telegram_chat_id == STAFF_CHAT
    reply = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(STAFF_CHAT))).one()
    assert reply.recipient_kind == "staff" and reply.user_id == user.id
    assert "officer.dinsos" in reply.body
    # The code works once.
    updates.chat_id = 700100301
    post_update(updates.message(f"/link {code}"))
    assert session.scalar(select(User).where(User.username == "officer.dinsos")).telegram_chat_id == STAFF_CHAT
    other = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "700100301")).one()
    assert "tidak berlaku" in other.body


def test_linking_telegram_is_recorded_as_the_staff_members_opt_in_with_time_and_channel(app, post_update, updates,
                                                                                       session, clock):
    from app.models.whatsapp import OptRecord

    _link(app, post_update, updates)
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    [record] = session.scalars(select(OptRecord).where(OptRecord.address == str(STAFF_CHAT))).all()
    assert (record.channel, record.kind, record.reason, record.user_id, record.at) == (
        "telegram", "opt_in", "verified", user.id, clock.now())


def test_link_code_for_an_unknown_user_is_a_clean_error(app):
    result = app.test_cli_runner().invoke(args=["telegram", "link-code", "--user", "nobody"])
    assert result.exit_code != 0
    assert "no active staff user" in result.output


def test_a_linked_officer_acknowledges_from_the_alert_button(app, post_update, updates, session,
                                                             telegram_complaint):
    _link(app, post_update, updates)
    complaint = telegram_complaint()
    alert = session.scalars(select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id,
                                                        OutboxMessage.recipient == str(STAFF_CHAT))).one()
    assert alert.channel == "telegram" and alert.template == "core.staff.new"
    response = post_update(updates.callback(f"ack:{complaint.ticket}"))
    assert response.status_code == 200
    session.refresh(complaint)
    assert complaint.status == "acknowledged"
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    event = session.scalars(select(Event).where(Event.complaint_id == complaint.id,
                                                Event.kind == "acknowledged")).one()
    assert event.actor == f"user:{user.id}"
    # Pressing it again explains instead of failing.
    post_update(updates.callback(f"ack:{complaint.ticket}"))
    last = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(STAFF_CHAT))
                           .order_by(OutboxMessage.id.desc()).limit(1)).one()
    assert "tidak bisa diterima" in last.body
    # ... and still counts as an answer to the alert: the repeats past the top of the ladder stop.
    session.refresh(complaint)
    assert complaint.alert_acknowledged_at is not None
    answered = session.scalars(select(Event).where(Event.complaint_id == complaint.id,
                                                   Event.kind == "alert_acknowledged")).one()
    assert answered.actor == f"user:{user.id}" and answered.data["channel"] == "telegram"


def test_an_unlinked_chat_cannot_acknowledge(post_update, updates, session, telegram_complaint):
    complaint = telegram_complaint()
    response = post_update(updates.callback(f"ack:{complaint.ticket}"))
    assert "belum terhubung" in response.get_json()["text"]
    session.refresh(complaint)
    assert complaint.status == "assigned"


def test_set_webhook_registers_the_public_url_with_the_secret(app, settings, telegram_api):
    settings.public_base_url = "https://sigap.banyuwangikab.go.id"
    result = app.test_cli_runner().invoke(args=["telegram", "set-webhook"])
    assert result.exit_code == 0, result.output
    call = telegram_api.calls("setWebhook")[0]
    assert call["url"] == "https://sigap.banyuwangikab.go.id/webhooks/telegram"
    assert call["secret_token"] == settings.telegram_webhook_secret


def test_set_webhook_without_a_public_url_says_so(app, settings):
    settings.public_base_url = None
    result = app.test_cli_runner().invoke(args=["telegram", "set-webhook"])
    assert result.exit_code != 0 and "PUBLIC_BASE_URL" in result.output


def test_polling_feeds_the_same_handler_and_delivers_the_replies(app, updates, telegram_api, session):
    telegram_api.pending_updates = [updates.message("/start"), updates.message("/lapor")]
    offset = poll_once(app.extensions["sigap"], None, timeout=0)
    assert offset == 500000003  # one past the last update_id handled
    sent = [c["text"] for c in telegram_api.calls("sendMessage")]
    assert sent[0].startswith("Halo! Ini Sigap") and sent[1].startswith("Laporan tentang apa?")
    telegram_api.pending_updates = [updates.callback("cat:hunger")]
    poll_once(app.extensions["sigap"], offset, timeout=0)
    assert telegram_api.calls("answerCallbackQuery")
    assert telegram_api.calls("getUpdates")[1]["offset"] == str(offset)
