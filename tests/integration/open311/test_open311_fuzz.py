"""Whatever a client sends to Open311, the answer is never a 500 and an error is always in the spec's format."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
FIELDS = ["service_code", "lat", "long", "address_string", "address_id", "description", "phone", "email",
          "first_name", "media_url", "jurisdiction_id", "attribute[child_age]", "attribute[can_walk]",
          "attribute[x][]", "start_date", "end_date", "status", "service_request_id", "locale"]
values = st.one_of(st.text(max_size=40), st.sampled_from(["hunger", "school_dropout", "lone_elderly", "-8.3",
                                                          "114.2", "Genteng Kulon", "2026-11-23", "open", "yes",
                                                          "35.10.09.2003", "banyuwangi", "BWI-2026-000001"]))
forms = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)


def _check(response, fmt):
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        text = response.get_data(as_text=True)
        if fmt == "json":
            errors = json.loads(text)
            assert errors[0]["code"] == response.status_code and errors[0]["description"]
        else:
            root = ET.fromstring(text)
            assert root.tag == "errors" and root.find("error/description").text


def test_posts_never_crash(client, api_key):
    @given(form=forms, fmt=st.sampled_from(["json", "xml"]))
    @FUZZ
    def run(form, fmt):
        _check(client.post(f"/open311/v2/requests.{fmt}", data={**form, "api_key": api_key}), fmt)

    run()


def test_queries_never_crash(client, api_key):
    @given(query=forms, fmt=st.sampled_from(["json", "xml"]),
           path=st.sampled_from(["requests", "services", "requests/BWI-2026-000001", "services/hunger",
                                 "discovery"]))
    @FUZZ
    def run(query, fmt, path):
        _check(client.get(f"/open311/v2/{path}.{fmt}", query_string={**query, "api_key": api_key}), fmt)

    run()


def test_nul_characters_are_dropped_or_refused_never_a_500(client, post_request, api_key, session):
    for field in ("description", "address_string", "first_name", "device_id", "account_id", "attribute[people_count]"):
        r = post_request(**{field: "2\x00"})
        assert r.status_code in (201, 400), (field, r.get_data(as_text=True))
    r = post_request(description="Tolong\x00 segera")
    ticket = r.json[0]["service_request_id"]
    got = client.get(f"/open311/v2/requests/{ticket}.json", query_string={"api_key": api_key}).json[0]
    assert got["description"] == "Tolong segera"
    for path in ("requests/BWI\x00.json", "services/hun\x00ger.xml"):
        assert client.get(f"/open311/v2/{path}", query_string={"api_key": api_key}).status_code in (400, 404)
    listed = client.get("/open311/v2/requests.json", query_string={"api_key": api_key, "service_request_id": "A\x00"})
    assert listed.status_code == 200
