"""Bearer-token authentication for /api/v1: every route names the roles it admits."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from app.channels.api import ratelimit
from app.domain.actor import Actor
from app.errors import ApiError
from app.extensions import db_session, now
from app.services.access import accounts


def current_actor() -> Actor:
    return g.api_actor


def token_required(*roles: str):
    """Authenticate the Bearer token; 401 without a valid one, 403 when its role is not admitted.
    A refused credential counts against the client address (app/channels/api/ratelimit.py)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                ratelimit.refused_token()
                raise ApiError(401, "unauthorized", "send an API token: 'Authorization: Bearer <token>'",
                               {"WWW-Authenticate": 'Bearer realm="sigap"'})
            session = db_session()
            token = accounts.token_identity(session, secret.strip(), now())
            if token is None:
                ratelimit.refused_token()
                raise ApiError(401, "unauthorized", "the API token is unknown or revoked",
                               {"WWW-Authenticate": 'Bearer realm="sigap", error="invalid_token"'})
            ratelimit.accepted_token(secret.strip())
            g.api_actor = accounts.token_actor(token)
            if token.touched:
                session.commit()  # last_used_at (at most once a minute); else the read goes on in the view's transaction
            if roles and token.role not in roles:
                raise ApiError(403, "forbidden", f"a {token.role} token may not use this endpoint")
            return view(*args, **kwargs)

        return wrapper

    return decorator
