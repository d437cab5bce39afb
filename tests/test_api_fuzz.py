"""Property-based fuzzing of the whole JSON API from its own OpenAPI document (schemathesis).

Valid and invalid requests for every declared operation: none may produce a 500, and every error
answers in the JSON shape of SPEC §6.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode


@pytest.fixture
def seeded(app, make_user, make_claim, api_client):
    """An app with a reviewer's token and a few claims, so fuzzed ids sometimes hit real rows."""
    reviewer = make_user("reviewer")
    for status in ("submitted", "researching", "rejected"):
        make_claim(f"a {status} claim", status=status, by=reviewer)
    return api_client(reviewer).headers


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_produces_a_server_error(app, seeded, mode):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # let an error become the 500 we are looking for
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    seen: set[int] = set()
    for operation in operations:

        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            response = case.call(headers=seeded)
            seen.add(response.status_code // 100)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            if response.status_code >= 400:
                body = response.json()
                assert {"error", "message"} <= set(body), response.text

        check()
    # The fuzzing reached the handlers (successes) and their validation (client errors).
    assert {2, 4} <= seen
