"""Messages leave Sigap through here: the outbox (written in the change's transaction, delivered by a
job with retries), notifications (who is told what about a complaint event), partner webhooks, and
Telegram chats whose id moved (a group upgraded to a supergroup).

May import the rooms below it: reference, audit (and errors)."""
