"""schemathesis against /api/schema/: valid and invalid generated requests for every operation, through the
whole WSGI stack (middleware included); no 5xx, and every answer documented by the schema.

SCHEMATHESIS_EXAMPLES sets the examples per operation: `make fuzz-api` (CI) asks 200 for
each of the 7 operations (over 1,000 cases in all); `make test` runs a quick 15.
"""

import itertools
import os

import pytest
import schemathesis
from schemathesis import GenerationMode
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from renders import sharecodes
from renders.combinations import combinations_all
from tests import factories

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", 15))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(db, settings):
    settings.PANOCONFIG_RATE_PER_IP = "100000/m"
    settings.PANOCONFIG_RATE_PER_TENANT = "100000/m"
    from panoconfig.wsgi import application

    # As Django's test client does: keep the test transaction's connection across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


_turn = itertools.count()


@pytest.fixture
def known(db):
    """A tenant with a published scene and one real share code, so generated cases reach the views."""
    tenant = factories.make_tenant("acme")
    scene = factories.make_scene(tenant)
    build = next(iter(combinations_all(scene=scene))).build
    assert sharecodes.scene_id_of(build) == scene.pk
    return {"tenant": tenant.slug, "build": build, "scene": scene.slug}


def _steer(case, known):
    """One case in two talks to the known tenant (and build); the others keep what was generated."""
    if next(_turn) % 2 == 0 and case.path_parameters:
        case.path_parameters["tenant"] = known["tenant"]
        if "build" in case.path_parameters:
            case.path_parameters["build"] = known["build"]
        if isinstance(case.body, dict) and "scene" in case.body and next(_turn) % 2:
            case.body["scene"] = known["scene"]


def test_every_operation_answers_within_its_schema(api_schema, known):
    counts = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 7
    for operation, mode in itertools.product(operations, [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]):
        statuses = counts.setdefault(f"{operation.method.upper()} {operation.path} {mode.value}", {})

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            _steer(case, known)
            response = case.call_and_validate(checks=CHECKS, headers={"X-Forwarded-Proto": "https"})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500 or response.status_code == 503

        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to make invalid (the health check)
    total = sum(sum(statuses.values()) for statuses in counts.values())
    print(f"schemathesis: {total} cases", counts)
    assert all(statuses for label, statuses in counts.items() if "health" not in label), counts
    if EXAMPLES >= 200:
        assert total >= 1000, counts
