"""Property-based fuzzing of the whole REST API in-process (schemathesis over WSGI): for every
operation in the OpenAPI schema, generated valid and invalid requests never get a 5xx.

Bounded for CI: a few examples per operation and generation mode, a fixed seed, two callers
(the demo operator and the demo gate staff). The long run against a live server is in
docs/testing.md.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token

from cuakhau.wsgi import application

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SEED = 20260101
MAX_EXAMPLES = 3


def _server_errors(schema, token: str) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = []
    headers = {"Authorization": f"Token {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in schemathesis.GenerationMode:

            @hypothesis.seed(SEED)
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[hypothesis.Phase.generate],
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def probe(case):  # type: ignore[no-untyped-def]
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    found.append(
                        f"{response.status_code} {case.method} {case.formatted_path} {case.as_curl_command()}"
                    )

            try:
                probe()
            except hypothesis.errors.Unsatisfiable:
                pass  # nothing invalid to send (e.g. an operation without parameters or body)
    return found


@pytest.fixture
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    """A real WSGI request closes the database connection when it finishes, which inside the
    test's transaction (PostgreSQL) drops it; Django's test client does the same as this."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_the_test_connection")
@pytest.mark.parametrize("username", ["demo-operator", "demo-gate-staff"])
def test_no_generated_request_gets_a_server_error(username) -> None:  # type: ignore[no-untyped-def]
    call_command("seed_demo", verbosity=0)
    token, _ = Token.objects.get_or_create(user=get_user_model().objects.get(username=username))
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    assert not _server_errors(schema, token.key)


# --- query and path parameters: every GET, hostile values -----------------------------------------
# Names the views read (declared in the schema or not) and a few nobody reads.
QUERY_NAMES = [
    "state",
    "gate",
    "date",
    "direction",
    "limit",
    "offset",
    "q",
    "agency",
    "channel",
    "unread",
    "x",
]


def _get_paths(schema) -> list[str]:  # type: ignore[no-untyped-def]
    paths = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "GET":
            paths.append(operation.path)
    return sorted(set(paths))


@pytest.mark.usefixtures("_keep_the_test_connection")
def test_no_hostile_query_or_path_parameter_gets_a_server_error(client) -> None:  # type: ignore[no-untyped-def]
    """Generated values (any Unicode, NUL and other control characters, huge numbers, very long
    text) in every query parameter the views read and in every path parameter, on every GET of
    the schema, as an operator: never a 5xx."""
    import re
    from urllib.parse import quote, urlencode

    from hypothesis import strategies as st

    call_command("seed_demo", verbosity=0)
    token, _ = Token.objects.get_or_create(user=get_user_model().objects.get(username="demo-operator"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    values = st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.just("x" * 5000),
    )
    found: list[str] = []

    def probe_for(path: str):  # type: ignore[no-untyped-def]
        @hypothesis.seed(SEED)
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.generate],
        )
        @given(query=st.dictionaries(st.sampled_from(QUERY_NAMES), values, max_size=3), part=values)
        def probe(query, part):  # type: ignore[no-untyped-def]
            url = re.sub(r"\{[^}]+\}", quote(part, safe="") or "1", path)
            response = client.get(
                f"{url}?{urlencode(query)}",
                HTTP_AUTHORIZATION=f"Token {token.key}",
                HTTP_ACCEPT="application/json",
            )
            if response.status_code >= 500:
                found.append(f"{response.status_code} GET {url}?{urlencode(query)}")

        return probe

    for path in _get_paths(schema):
        probe_for(path)()
    assert not found, found[:10]
