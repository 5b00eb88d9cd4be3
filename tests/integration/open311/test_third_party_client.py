"""A third-party Open311 client from PyPI (georeport 0.3.1) against a real server on 127.0.0.1.

georeport lists services, reads a service definition and reads requests back, unmodified. It has
no POST (its README says so; the older `three` and `open311` packages, which do, are Python 2
only), so the POST goes out as a plain form-encoded `requests.post`, shaped like the spec's
example request. georeport sends no api_key on GETs: it reaches our private requests through
requests' standard .netrc support (a Basic credential whose password is the api_key)."""
from __future__ import annotations

import threading

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import delete
from werkzeug.serving import make_server

from app.models import ApiToken
from app.services.access import accounts


@pytest.fixture
def live_server(committed_app):
    server = make_server("127.0.0.1", 0, committed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def partner_key(committed_sessionmaker, clock):
    with committed_sessionmaker() as s:
        token, secret = accounts.create_token(s, clock.now(), role="partner", name="georeport client")
        s.commit()
        token_id = token.id
    yield secret
    with committed_sessionmaker() as s:
        s.execute(delete(ApiToken).where(ApiToken.id == token_id))
        s.commit()


@pytest.fixture
def netrc_for(tmp_path, monkeypatch):
    def _write(secret: str) -> None:
        path = tmp_path / "netrc"
        path.write_text(f"machine 127.0.0.1 login partner password {secret}\n")
        path.chmod(0o600)
        monkeypatch.setenv("NETRC", str(path))

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    return _write


def test_georeport_lists_services_posts_a_request_and_reads_it_back(live_server, partner_key, netrc_for):
    root = f"{live_server}/open311/v2"
    client = GeoReport(root, jurisdiction="banyuwangi")
    services = client.get_service_list()
    assert {s["service_code"] for s in services} >= {"hunger", "school_dropout", "lone_elderly"}
    school = next(s for s in services if s["service_code"] == "school_dropout")
    assert school["metadata"] is True
    definition = client.get_service_definition("school_dropout")
    required = [a["code"] for a in definition["attributes"] if a["required"]]
    assert required == ["child_age"]

    xml_client = GeoReport(root, jurisdiction="banyuwangi", output_format="xml")
    assert {s["service_code"] for s in xml_client.get_service_list()} == {s["service_code"] for s in services}

    posted = requests.post(f"{root}/requests.json", data={
        "api_key": partner_key, "jurisdiction_id": "banyuwangi", "service_code": "school_dropout",
        "address_string": "Genteng Kulon, Genteng", "first_name": "Siti", "last_name": "Aminah",
        "phone": "081234567890", "description": "Anak tetangga berhenti sekolah sejak bulan lalu",
        "attribute[child_age]": "11", "attribute[school_level]": "sd"}, timeout=10)
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]

    netrc_for(partner_key)
    got = client.get_service_request(request_id)
    assert got["service_request_id"] == request_id and got["status"] == "open"
    assert got["agency_responsible"] == "Dinas Pendidikan" and "Umur anak: 11" in got["description"]
    listed = client.get_service_requests(service_request_id=request_id)
    assert [r["service_request_id"] for r in listed] == [request_id]
    got_xml = xml_client.get_service_request(request_id)
    assert got_xml["service_request_id"] == request_id and got_xml["expected_datetime"] == got["expected_datetime"]


def test_without_credentials_the_client_is_refused(live_server, partner_key, monkeypatch, tmp_path):
    monkeypatch.setenv("NETRC", str(tmp_path / "missing-netrc"))
    client = GeoReport(f"{live_server}/open311/v2", jurisdiction="banyuwangi")
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_requests()
    assert refused.value.response.status_code == 403
    assert refused.value.response.json()[0]["code"] == 403
