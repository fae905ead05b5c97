"""Property-based tests of the whole API from its OpenAPI document (schemathesis).

Each operation gets generated requests — valid ones, invalid ones, and valid ones
aimed at real ids so the handlers get past "not found" — sent with a bearer
token. None may answer 5xx, and every answer must match the documented status
codes, content types, headers and schemas. Examples are derandomized: the run is
the same every time, so a failure reproduces.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.client import OPERATIONS, Api
from tests.support import csv_bytes, row

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def load(api: Api) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", api.app)


def test_every_operation_is_tested(api: Api) -> None:
    found = {(r.ok().method.upper(), r.ok().path) for r in load(api).get_all_operations()}
    assert found == set(OPERATIONS)


def real_ids(api: Api, path: str) -> dict[str, str]:
    if "{referral_id}" in path:
        return {"referral_id": api.create()["id"]}
    if path.startswith("/api/v1/imports/"):
        return {"job_id": api.upload(csv_bytes([row()])).json()["id"]}
    if path.startswith("/api/v1/exports/"):
        return {"job_id": api.post("/api/v1/exports", json={}).json()["id"]}
    return {}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_openapi(api: Api, method: str, path: str) -> None:
    operation = load(api)[path][method]
    ids = real_ids(api, path)
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if ids:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids))
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
