"""Translates a python-telegram-bot `Update` into the dialogue's plain `Inbound` values.

Never raises: PTB builds objects from whatever JSON it is given, so a message may lack its chat or
sender, or carry a number where text belongs. What cannot be read becomes kind "other" (recorded,
ignored); every string is cleaned by the one text rule (app.domain.text) so it can be stored."""
from __future__ import annotations

import dataclasses
import logging

from telegram import Message, Update

from app.domain.text import clean_json, clean_text
from app.services.conversations.telegram_dialogue import MAX_PHOTO_BYTES, Inbound

log = logging.getLogger("sigap.telegram")
# Chat and update ids are stored as BIGINT.
_INT64 = 2 ** 63


def from_json(data: dict) -> Inbound | None:
    """The Inbound of the commonest update, a text message (a command or words) with its chat and sender,
    read straight from the JSON without building PTB's objects (which cost more CPU than the rest of
    the parse); None for anything else, or anything not plainly well formed, which then goes through
    PTB (`Update.de_json` and `to_inbound`). Both give the same Inbound for what this one takes."""
    if len(data) != 2:
        return None
    message = data.get("message")
    if type(message) is not dict or not _MESSAGE_KEYS.issuperset(message) \
            or not _plain_int(message.get("message_id")) or not _plain_int(message.get("date")) \
            or not 0 <= message["date"] < 2 ** 32 or type(message.get("text")) is not str \
            or not _entities(message.get("entities", ())):
        return None
    chat = message.get("chat")
    if not _shaped(chat, _CHAT_KEYS, _CHAT_STR) or not _plain_int(chat.get("id")) or type(chat.get("type")) is not str:
        return None
    user = message.get("from")
    if user is not None and (not _shaped(user, _USER_KEYS, _USER_STR) or not _plain_int(user.get("id"))
                             or type(user.get("is_bot")) is not bool or type(user.get("first_name")) is not str
                             or type(user.get("is_premium", False)) is not bool):
        return None
    inbound = _message(data["update_id"], _Plain(
        chat=_Plain(id=chat["id"], type=chat["type"]), text=message["text"],
        from_user=None if user is None else _Plain(id=user["id"], first_name=user["first_name"],
                                                   last_name=user.get("last_name"),
                                                   language_code=user.get("language_code"))))
    if inbound is None or inbound.chat_id is None:
        return other(data["update_id"])
    return _cleaned(inbound)


class _Plain:
    """What `_message` reads of a PTB Message (and its chat and sender), for a plain text message."""

    location = document = caption = left_chat_member = None
    photo = new_chat_members = ()
    group_chat_created = False

    def __init__(self, **values):
        self.__dict__.update(values)


_MESSAGE_KEYS = frozenset({"message_id", "date", "chat", "from", "text", "entities"})
_CHAT_KEYS = frozenset({"id", "type", "first_name", "last_name", "username", "title"})
_CHAT_STR = _CHAT_KEYS - {"id"}
_USER_KEYS = frozenset({"id", "is_bot", "first_name", "last_name", "username", "language_code", "is_premium"})
_USER_STR = frozenset({"first_name", "last_name", "username", "language_code"})
_ENTITY_KEYS = frozenset({"offset", "length", "type"})


def _plain_int(value) -> bool:
    return type(value) is int


def _shaped(value, keys: frozenset, strings: frozenset) -> bool:
    """A JSON object with only these keys, those of `strings` holding text."""
    return type(value) is dict and keys.issuperset(value) \
        and all(type(value[k]) is str for k in strings.intersection(value))


def _entities(value) -> bool:
    return type(value) is list and all(
        type(e) is dict and e.keys() == _ENTITY_KEYS and _plain_int(e["offset"]) and _plain_int(e["length"])
        and type(e["type"]) is str for e in value) or value == ()


def other(update_id: int) -> Inbound:
    """An update the bot does not serve (or cannot read): recorded so a retry changes nothing, then ignored."""
    return Inbound(update_id=update_id, kind="other")


def to_inbound(update: Update) -> Inbound:
    """Every update becomes an Inbound; kinds the bot does not serve become "other" (recorded, ignored)."""
    try:
        inbound = _inbound(update)
    except (AttributeError, TypeError, ValueError) as exc:
        log.warning("telegram update %s unreadable (%s); ignored", update.update_id, exc)
        inbound = None
    if inbound is None or (inbound.kind != "other" and inbound.chat_id is None):
        return other(update.update_id)
    return _cleaned(inbound)


def _inbound(update: Update) -> Inbound | None:
    if update.callback_query is not None:
        query = update.callback_query
        user = query.from_user
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message is not None else None
        if chat is None and user is None:
            return None
        return Inbound(
            update_id=update.update_id, kind="callback",
            chat_id=_id(chat.id) if chat else _id(user.id), chat_type=_str(chat.type) if chat else "private",
            user_id=_id(user.id) if user else None, user_name=_name(user),
            language_code=_str(user.language_code) if user else None, callback_id=_str(query.id),
            callback_data=_str(query.data) or "",
        )
    if update.edited_message is not None:
        message = update.edited_message
        if message.chat is None:
            return None
        return Inbound(update_id=update.update_id, kind="edited", chat_id=_id(message.chat.id),
                       chat_type=_str(message.chat.type))
    if update.message is not None:
        return _message(update.update_id, update.message)
    return other(update.update_id)


def _message(update_id: int, message: Message) -> Inbound | None:
    if message.chat is None:
        return None
    user = message.from_user
    base = dict(
        update_id=update_id, chat_id=_id(message.chat.id), chat_type=_str(message.chat.type),
        user_id=_id(user.id) if user else None, user_name=_name(user),
        language_code=_str(user.language_code) if user else None,
    )
    if message.location is not None:
        lat, lon = _number(message.location.latitude, 90), _number(message.location.longitude, 180)
        if lat is None or lon is None:
            return Inbound(kind="unsupported", **base)
        return Inbound(kind="location", lat=lat, lon=lon, **base)
    if message.photo:
        return Inbound(kind="photo", photo=_best_photo(message), text=_str(message.caption), **base)
    document = message.document
    if document is not None and (_str(document.mime_type) or "").startswith("image/"):
        return Inbound(kind="photo", text=_str(message.caption), photo={
            "file_id": document.file_id, "file_unique_id": document.file_unique_id,
            "file_size": document.file_size, "mime_type": document.mime_type,
        }, **base)
    text = _str(message.text)
    if text is not None:
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            command = head[1:].split("@", 1)[0].lower()
            return Inbound(kind="command", text=text, command=command, args=args.strip(), **base)
        return Inbound(kind="text", text=text, **base)
    if message.new_chat_members or message.left_chat_member or message.group_chat_created:
        return Inbound(kind="edited", **base)  # service messages in groups: nothing to say
    return Inbound(kind="unsupported", **base)


def _best_photo(message: Message) -> dict:
    # Telegram sends several sizes, smallest first: take the largest one that is not too big.
    sizes = sorted(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
    fitting = [p for p in sizes if (p.file_size or 0) <= MAX_PHOTO_BYTES]
    chosen = fitting[-1] if fitting else sizes[0]
    return {"file_id": chosen.file_id, "file_unique_id": chosen.file_unique_id, "file_size": chosen.file_size,
            "width": chosen.width, "height": chosen.height, "mime_type": "image/jpeg",
            "oversize": not fitting}


def _id(value) -> int | None:
    """A chat or user id, or None when it is not one (a storable integer)."""
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT64 <= value < _INT64:
        return None
    return value


def _str(value) -> str | None:
    return value if isinstance(value, str) else None


def _number(value, limit: float) -> float | None:
    """A coordinate within +-limit degrees, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -limit <= value <= limit:
        return None  # NaN fails the range test too
    return float(value)


def _name(user) -> str | None:
    if user is None:
        return None
    return " ".join(part for part in (_str(user.first_name), _str(user.last_name)) if part) or None


def _cleaned(inbound: Inbound) -> Inbound:
    changes = {f.name: clean_text(getattr(inbound, f.name)) for f in dataclasses.fields(inbound)
               if isinstance(getattr(inbound, f.name), str)}
    if inbound.photo is not None:
        changes["photo"] = clean_json(inbound.photo)
    return dataclasses.replace(inbound, **changes)
