"""The webhook reads the commonest update, a text message, straight from its JSON (updates.from_json)
instead of through PTB's objects: for everything it takes it must give the very Inbound PTB's path gives,
and anything else (other kinds, odd shapes) it must leave to PTB."""
from __future__ import annotations

import copy

import pytest
from telegram import Update

from app.channels.telegram.updates import from_json, to_inbound

BASE = {"update_id": 41, "message": {
    "message_id": 7, "date": 1795000000, "text": "/lapor",
    "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
    "from": {"id": 900, "is_bot": False, "first_name": "Warga", "last_name": "Desa", "language_code": "en"},
    "chat": {"id": 900, "type": "private", "first_name": "Warga"}}}


def _with(**changes):
    update = copy.deepcopy(BASE)
    for path, value in changes.items():
        target = update
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        if value is _DROP:
            del target[last]
        else:
            target[last] = value
    return update


_DROP = object()

TAKEN = [
    BASE,
    _with(message__text="jalan rusak di depan sekolah"),
    _with(message__text="/Lapor@SigapBot  sekarang "),
    _with(message__text="/status SGP-1"),
    _with(message__text="ada\x00nul \ud800 di sini"),
    _with(message__entities=_DROP),
    _with(message__from=_DROP),
    _with(message__from__last_name=_DROP, message__from__language_code=_DROP),
    _with(message__chat__type="group", message__chat__title="RT 5"),
    _with(message__chat__id=2 ** 63),  # not storable: "other", as through PTB
    _with(message__from__id=-5),
    _with(message__from__is_premium=True, message__from__username="warga"),
]

LEFT = [
    _with(message__text=5),
    _with(message__text=_DROP),
    _with(message__chat=_DROP),
    _with(message__chat__id="900"),
    _with(message__chat__id=True),
    _with(message__chat__type=_DROP),
    _with(message__from__first_name=_DROP),
    _with(message__from__is_bot=_DROP),
    _with(message__from__first_name=None),
    _with(message__date="yesterday"),
    _with(message__date=10 ** 20),
    _with(message__message_id=_DROP),
    _with(message__caption="a photo's words"),
    _with(message__location={"latitude": 1.0, "longitude": 2.0}),
    _with(message__entities=[{"offset": 0, "length": 6, "type": "bot_command", "user": {"id": 1}}]),
    _with(message__entities="none"),
    {**BASE, "edited_message": BASE["message"]},
    {"update_id": 41, "edited_message": BASE["message"]},
    {"update_id": 41, "callback_query": {"id": "1", "from": BASE["message"]["from"], "chat_instance": "x",
                                         "data": "cat:jalan"}},
    {"update_id": 41},
]


@pytest.mark.parametrize("update", TAKEN, ids=range(len(TAKEN)))
def test_a_text_message_reads_as_through_ptb(update):
    fast = from_json(copy.deepcopy(update))
    assert fast is not None
    assert fast == to_inbound(Update.de_json(copy.deepcopy(update), None))


@pytest.mark.parametrize("update", LEFT, ids=range(len(LEFT)))
def test_anything_else_is_left_to_ptb(update):
    assert from_json(copy.deepcopy(update)) is None
