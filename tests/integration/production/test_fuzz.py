"""Random input never gives a 500: Telegram updates with the right secret, the SMS dialogue service,
and POST /api/v1/complaints."""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app.services.conversations import sms_dialogue
from tests.integration.production.conftest import post_telegram

FUZZ = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_ids = itertools.count(880000000)

json_leaf = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=40)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)
chat = st.fixed_dictionaries({"id": st.integers(-2**40, 2**40) | st.text(max_size=5), "type": st.sampled_from(
    ["private", "group", "supergroup", "channel", "x"])})
message = st.fixed_dictionaries(
    {"message_id": st.integers(0, 2**31), "date": st.integers(0, 2**31), "chat": chat},
    optional={"text": st.text(max_size=200) | st.sampled_from(["/lapor", "/status BWI-2026-000001", "/batal",
                                                                "/bahasa en", "/start", "/link 1234"]),
              "from": st.fixed_dictionaries({"id": st.integers(1, 2**40), "is_bot": st.booleans(),
                                             "first_name": st.text(max_size=20)}),
              "location": st.fixed_dictionaries({"latitude": st.floats(-200, 200), "longitude": st.floats(-400, 400)}),
              "photo": st.lists(st.fixed_dictionaries({"file_id": st.text(max_size=10), "file_unique_id": st.text(
                  max_size=5), "width": st.integers(0, 5000), "height": st.integers(0, 5000)}), max_size=3),
              "contact": json_value, "sticker": json_value})
update = st.fixed_dictionaries({}, optional={
    "message": message, "edited_message": message, "callback_query": st.fixed_dictionaries(
        {"id": st.text(max_size=8), "from": st.fixed_dictionaries({"id": st.integers(1, 2**40), "is_bot": st.booleans(),
                                                                   "first_name": st.text(max_size=10)}),
         "chat_instance": st.text(max_size=5)}, optional={"data": st.text(max_size=64), "message": message}),
    "my_chat_member": json_value, "poll": json_value})


@FUZZ
@given(body=update, extra=st.dictionaries(st.text(max_size=10), json_value, max_size=3))
def test_random_telegram_updates_never_give_a_500(client, body, extra):
    payload = {**extra, **body, "update_id": next(_ids)}
    response = post_telegram(client, payload)
    assert response.status_code < 500, response.get_data(as_text=True)


@FUZZ
@given(raw=json_value)
def test_random_json_to_the_telegram_webhook_never_gives_a_500(client, raw):
    response = post_telegram(client, raw)
    assert response.status_code < 500


sms_text = st.text(max_size=300) | st.builds(
    lambda kw, rest: f"{kw} {rest}", st.sampled_from(["LAPOR", "LAPOR MAKAN", "LAPOR SEKOLAH Kemiren:", "STATUS",
                                                      "CEK BWI-2026-", "YA", "TIDAK", "STOP", "START", "1", "9"]),
    st.text(max_size=120))


@FUZZ
@given(body=sms_text, sender=st.sampled_from(["+6281234500001", "whatsapp:+6281234500002", "081234", "", "abc"]),
       media=st.integers(-3, 12))
def test_random_sms_texts_always_get_an_answer(session, clock, body, sender, media):
    result = sms_dialogue.handle_message(session, clock.now(), message_sid=f"SMfuzz{next(_ids)}",
                                         from_address=sender, to_address="+6281100002222", body=body,
                                         num_media=media)
    assert isinstance(result.replies, list)


@FUZZ
@given(body=st.text(max_size=300))
def test_random_signed_sms_webhooks_never_give_a_500(twilio, body):
    response = twilio.post(body)
    assert response.status_code < 500


complaint_body = st.fixed_dictionaries({}, optional={
    "jurisdiction": st.sampled_from(["banyuwangi", "sabu_raijua", "BANYUWANGI", ""]) | json_value,
    "category": st.sampled_from(["hunger", "school_dropout", "lone_elderly", "nope"]) | json_value,
    "description": st.text(max_size=200) | json_value,
    "district": st.sampled_from(["Glagah", "35.10.19"]) | json_value,
    "village": st.sampled_from(["Kemiren", "Genteng Kulon"]) | json_value,
    "lat": st.floats() | json_value, "lon": st.floats() | json_value,
    "reporter": st.fixed_dictionaries({}, optional={"name": json_value, "phone": st.text(max_size=20) | json_value,
                                                    "telegram_chat_id": json_value, "language": json_value}) | json_value,
    "channel": st.sampled_from(["api", "counter", "sms", "x" * 40]) | json_value,
    "received_at": st.sampled_from(["2026-11-23T01:00:00Z", "2030-01-01T00:00:00Z", "yesterday"]) | json_value,
})


@FUZZ
@given(body=complaint_body)
def test_random_complaint_bodies_never_give_a_500(client, auth, body):
    headers = auth("supervisor", jurisdiction="banyuwangi")
    response = client.post("/api/v1/complaints", json=body, headers=headers)
    assert response.status_code in (201, 400, 403, 404, 409, 413, 415, 422), (body, response.get_data(as_text=True))
