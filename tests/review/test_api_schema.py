"""Property-based tests of the JSON API from its own OpenAPI schema (schemathesis): no 500, ever."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from review_data import Seeded
from schemathesis.core import NotSet

EXAMPLES = 6  # a few per operation: the whole test stays within seconds


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_documents_the_api(app: Any, login: Any) -> None:
    paths = app.openapi()["paths"]
    assert {"/api/queue", "/api/candidates/{candidate_id}/confirm", "/api/issues/{issue_id}/answers"} <= set(paths)
    assert not any(not p.startswith("/api/") for p in paths)  # pages stay out of the API schema
    assert login().get("/api/openapi.json").status_code == 401
    assert login("mon").get("/api/openapi.json").json()["paths"].keys() == paths.keys()


@pytest.mark.slow
def test_generated_requests_never_cause_a_server_error(app: Any, login: Any, seeded: Seeded) -> None:
    admin = login("admin")
    admin.client = type(admin.client)(
        app, follow_redirects=False, raise_server_exceptions=False, cookies=admin.client.cookies
    )  # a 500 is a finding, not a crash
    # every operation is open to admin: the generated data reach the casework rules
    failures: list[str] = []
    calls = 0
    for operation in _operations(app):

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            nonlocal calls
            kwargs: dict[str, Any] = {"params": case.query or None, "headers": {"X-CSRF-Token": admin.csrf}}
            if case.body is not None and not isinstance(case.body, NotSet):
                kwargs["content"] = json.dumps(case.body)
                kwargs["headers"]["Content-Type"] = "application/json"
            response = admin.client.request(case.method, case.formatted_path, **kwargs)
            calls += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r}: {response.status_code}"
                )

        check()
    assert calls >= 10
    assert not failures, failures
