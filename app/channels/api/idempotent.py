"""The HTTP side of Idempotency-Key: fingerprint the request, replay a stored response, store a new one
in the same commit as the request's effect."""
from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, request
from sqlalchemy import event

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


def run(token_id: int, produce, *, at_commit=None) -> Response:
    """Answer a POST once per (token, Idempotency-Key): a retry with the same body gets the same
    response (with `Idempotent-Replayed: true`). A request failing before its commit (4xx/5xx)
    frees the key again; once committed, the key keeps its response whatever happens next.

    `produce()` does the request's work without committing (a use case's staging step) and returns
    the response; run commits once, the key's stored response with the work, with or without a key.
    A use case that commits by itself (a lifecycle action) passes `at_commit`, the response as of
    its commit: the key is finished inside that commit, and that is the response given."""
    session = db_session()
    key = request.headers.get(HEADER)
    if key is None:
        return _committed(session, current_app.make_response(produce()))
    key = idempotency.check_key(key)
    stored = idempotency.begin(session, now(), token_id=token_id, key=key, fingerprint=fingerprint())
    if stored is not None:
        response = Response(stored.body, status=stored.status, headers=stored.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    def finish(response: Response) -> Response:
        if response.status_code < 400:  # not committed: goes in with the work
            headers = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
            idempotency.finish(session, now(), token_id=token_id, key=key, status=response.status_code,
                               body=response.get_data(as_text=True), headers=headers)
        return response

    answered: list[Response] = []
    if at_commit is not None:
        def finish_at_commit(_session) -> None:
            if not answered:
                answered.append(finish(current_app.make_response(at_commit())))
        event.listen(session, "before_commit", finish_at_commit)
    try:
        try:
            response = current_app.make_response(produce())
        finally:
            if at_commit is not None:
                event.remove(session, "before_commit", finish_at_commit)
        response = answered[0] if answered else _committed(session, finish(response))
    except idempotency.KeyInProgress:
        session.rollback()  # the key is another request's now: leave it to that one
        raise
    except BaseException:
        session.rollback()
        idempotency.release(session, token_id=token_id, key=key)  # only while unfinished: never after its commit
        raise
    if response.status_code >= 400:
        idempotency.release(session, token_id=token_id, key=key)
    return response


def _committed(session, response: Response) -> Response:
    """Commit the work behind a successful response; a failed one leaves nothing behind."""
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response
