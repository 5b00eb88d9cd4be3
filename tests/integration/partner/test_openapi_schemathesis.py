"""schemathesis against /api/v1/openapi.json: generated requests never get a 500, and every response
matches the status codes, content types, headers and schemas the document promises.
(Driven with hypothesis directly: schemathesis' pytest fixture loader does not run under pytest 9.)"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from app.services.access import accounts

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]
EXAMPLES_PER_OPERATION = 20


def test_every_operation_keeps_its_documented_promises(app, session, clock):
    app.config["SIGAP_API_RATE_LIMIT"] = "off"
    secrets = {}
    for role in ("admin", "partner"):
        _token, secrets[role] = accounts.create_token(session, clock.now(), role=role, name=f"schemathesis {role}")
    session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    statuses = []
    for operation in operations:
        role = "partner" if operation.path == "/webhook" else "admin"
        headers = {"Authorization": f"Bearer {secrets[role]}"}

        # The document's own examples first (a valid complaint gets a 201 to check), then generated ones.
        for strategy in [*operation.get_strategies_from_examples(), operation.as_strategy()]:
            @given(case=strategy)
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                statuses.append((operation.method.upper(), operation.path, response.status_code))

            run()
    assert ("POST", "/complaints", 201) in statuses and ("PUT", "/webhook", 200) in statuses
