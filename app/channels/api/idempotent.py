"""The HTTP side of Idempotency-Key: fingerprint the request, replay a stored response, store a new one."""
from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, request

from app.extensions import db_session, now
from app.services.intake import idempotency

HEADER = "Idempotency-Key"
STORED_HEADERS = ("Content-Type", "Location")


def fingerprint() -> str:
    """sha256 over method, path and body (JSON canonicalised; form fields sorted, api_key left out)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    if request.is_json:
        body = request.get_json(silent=True)
        if body is not None:
            # surrogatepass: a lone \\ud800 escape in the JSON still fingerprints (it is cleaned later)
            digest.update(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8", "surrogatepass"))
        else:
            digest.update(request.get_data())
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        pairs = sorted((k, v) for k, v in request.form.items(multi=True) if k != "api_key")
        digest.update(json.dumps(pairs, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    else:
        digest.update(request.get_data())
    return digest.hexdigest()


def run(token_id: int, produce) -> Response:
    """Call `produce()` once per (token, Idempotency-Key); a retry with the same body gets the same
    response (with `Idempotent-Replayed: true`). Failed requests (4xx/5xx) free the key again."""
    key = request.headers.get(HEADER)
    if key is None:
        return current_app.make_response(produce())
    session = db_session()
    key = idempotency.check_key(key)
    stored = idempotency.begin(session, now(), token_id=token_id, key=key, fingerprint=fingerprint())
    if stored is not None:
        response = Response(stored.body, status=stored.status, headers=stored.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        response = current_app.make_response(produce())
    except BaseException:
        session.rollback()
        idempotency.release(session, token_id=token_id, key=key)
        raise
    if response.status_code >= 400:
        session.rollback()
        idempotency.release(session, token_id=token_id, key=key)
        return response
    headers = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
    idempotency.finish(session, now(), token_id=token_id, key=key, status=response.status_code,
                       body=response.get_data(as_text=True), headers=headers)
    return response
