"""`/api` fuzzed from its own OpenAPI document with schemathesis (positive mode: schema-valid requests).

Every generated request must be accepted or answered with a documented 4XX problem, with a body
matching the documented schema and content type, and never a server error. Bounded (a dozen
derandomized examples per route) so it runs with the suite. (schemathesis' pytest plugin,
`from_fixture`, does not run under pytest 9.2, hence hypothesis' `given` per operation.)
"""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings as hypothesis_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode

from graph_service.web.app import create_app

EXAMPLES = 12


def test_api_answers_as_documented(built, settings):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings)).include(path_regex="^/api/")
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def check(case):
            case.call_and_validate()

        check()
    assert len(labels) == 9, labels   # every /api route (test_api.py lists them)
