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
        jurisdiction = "banyuwangi" if role in ("supervisor", "official") else None  # they must name one
        return {"Authorization": f"Bearer {make_token(role, agency, jurisdiction)[1]}"}

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


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS webhook receiver on 127.0.0.1 with a self-signed certificate for "localhost" only;
    yields (the certificate, to trust it; the receiver; the SNI names clients sent)."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    state, names = Receiver(), []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"https://localhost:{server.server_address[1]}/hook"
    yield str(cert), state, names
    server.shutdown()
    server.server_close()
