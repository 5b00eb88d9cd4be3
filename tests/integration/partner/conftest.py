"""Fixtures for the partner API: tokens per role, and a local HTTP server that records webhook POSTs."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.services.access import accounts


@pytest.fixture
def make_token(session, clock):
    def _make(role: str = "partner", agency: str | None = None, jurisdiction: str | None = None):
        token, secret = accounts.create_token(session, clock.now(), role=role, agency_code=agency,
                                              jurisdiction_code=jurisdiction, name=f"partner test {role}")
        session.commit()
        return token, secret

    return _make


@pytest.fixture
def bearer(make_token):
    def _bearer(role: str = "partner", agency: str | None = None) -> dict:
        return {"Authorization": f"Bearer {make_token(role, agency)[1]}"}

    return _bearer


class Receiver:
    """What a partner's webhook endpoint received; `answers` sets the status codes it replies with."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.received.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                       "json": json.loads(body or b"null")})
                status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "7")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sigap-hook"
    yield state
    server.shutdown()
    server.server_close()
