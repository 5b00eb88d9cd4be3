"""Translates a python-telegram-bot `Update` into the dialogue's plain `Inbound` values."""
from __future__ import annotations

from telegram import Message, Update

from app.services.telegram_dialogue import MAX_PHOTO_BYTES, Inbound


def to_inbound(update: Update) -> Inbound:
    """Every update becomes an Inbound; kinds the bot does not serve become "other" (recorded, ignored)."""
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message is not None else None
        return Inbound(
            update_id=update.update_id, kind="callback",
            chat_id=chat.id if chat else query.from_user.id, chat_type=chat.type if chat else "private",
            user_id=query.from_user.id, user_name=query.from_user.full_name,
            language_code=query.from_user.language_code, callback_id=query.id, callback_data=query.data or "",
        )
    if update.edited_message is not None:
        message = update.edited_message
        return Inbound(update_id=update.update_id, kind="edited", chat_id=message.chat.id, chat_type=message.chat.type)
    if update.message is not None:
        return _message(update.update_id, update.message)
    return Inbound(update_id=update.update_id, kind="other")


def _message(update_id: int, message: Message) -> Inbound:
    user = message.from_user
    base = dict(
        update_id=update_id, chat_id=message.chat.id, chat_type=message.chat.type,
        user_id=user.id if user else None, user_name=user.full_name if user else None,
        language_code=user.language_code if user else None,
    )
    if message.location is not None:
        return Inbound(kind="location", lat=message.location.latitude, lon=message.location.longitude, **base)
    if message.photo:
        return Inbound(kind="photo", photo=_best_photo(message), text=message.caption, **base)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return Inbound(kind="photo", text=message.caption, photo={
            "file_id": document.file_id, "file_unique_id": document.file_unique_id,
            "file_size": document.file_size, "mime_type": document.mime_type,
        }, **base)
    text = message.text
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
