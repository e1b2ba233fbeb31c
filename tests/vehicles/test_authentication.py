"""Token authentication establishes who the caller is — roles, company, assignment, gates — in
one statement, and the selectors then answer from it without asking again."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient, APIRequestFactory

from cuakhau.accounts.roles import Agency, Role, user_has_role
from tests import factories
from vehicles import authentication
from vehicles.authentication import CallerTokenAuthentication
from vehicles.models import Gate, StaffAssignment
from vehicles.selectors import agency_for_user, assignment_for_user, company_for_user, gate_ids_for_user
from vehicles.services import company_create_for_user

pytestmark = pytest.mark.django_db

ROLES = tuple(Role)


def _authenticate(user):  # type: ignore[no-untyped-def]
    """The caller of a request with `user`'s token, and the statements establishing it took."""
    key = Token.objects.create(user=user).key
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    with CaptureQueriesContext(connection) as queries:
        caller, _token = CallerTokenAuthentication().authenticate(request)
    return caller, len(queries)


def _who(caller):  # type: ignore[no-untyped-def]
    """Everything a request asks about its caller."""
    return {
        "roles": {role for role in ROLES if user_has_role(caller, role)},
        "company": company_for_user(caller),
        "assignment": assignment_for_user(caller),
        "agency": agency_for_user(caller),
        "gates": gate_ids_for_user(caller),
    }


def _gate_ids(*codes: str) -> set[int]:
    return set(Gate.objects.filter(code__in=codes).values_list("id", flat=True))


@pytest.mark.postgres  # one statement: PostgreSQL's arrays (elsewhere DRF's read)
def test_a_staff_members_request_establishes_the_caller_in_one_statement(
    django_assert_num_queries,
):
    officer = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=["HUU_NGHI", "TAN_THANH"])
    officer.groups.add(Group.objects.get(name=Role.GATE_STAFF))

    caller, statements = _authenticate(officer)

    assert statements == 1
    with django_assert_num_queries(0):
        who = _who(caller)
    assert who["roles"] == {Role.CUSTOMS, Role.GATE_STAFF}
    assert who["company"] is None
    assert who["assignment"] == StaffAssignment.objects.get(user=officer)
    assert who["agency"] == Agency.CUSTOMS
    assert who["gates"] == _gate_ids("HUU_NGHI", "TAN_THANH")


@pytest.mark.postgres  # one statement: PostgreSQL's arrays (elsewhere DRF's read)
def test_an_operators_request_establishes_the_caller_in_one_statement(
    company, owner, django_assert_num_queries
):
    caller, statements = _authenticate(owner)

    assert statements == 1
    with django_assert_num_queries(0):
        who = _who(caller)
    assert who == {
        "roles": {Role.OPERATOR},
        "company": company,
        "assignment": None,
        "agency": "",
        "gates": set(),
    }
    with django_assert_num_queries(0):
        assert caller.company_member.company.name == company.name


@pytest.mark.postgres  # one statement: PostgreSQL's arrays (elsewhere DRF's read)
def test_a_user_with_no_membership_no_assignment_and_no_role_is_nobody_in_particular(
    stranger, django_assert_num_queries
):
    caller, statements = _authenticate(stranger)

    assert statements == 1
    with django_assert_num_queries(0):
        assert _who(caller) == {
            "roles": set(),
            "company": None,
            "assignment": None,
            "agency": "",
            "gates": set(),
        }
        assert not hasattr(caller, "staff_assignment")


@pytest.mark.postgres  # one statement: PostgreSQL's arrays (elsewhere DRF's read)
def test_a_staff_member_assigned_to_no_gate_works_at_none(django_assert_num_queries):
    manager = factories.staff_user(Role.GATE_MANAGER)
    StaffAssignment.objects.get(user=manager).gates.clear()

    caller, _statements = _authenticate(manager)

    with django_assert_num_queries(0):
        assert gate_ids_for_user(caller) == set()
        assert assignment_for_user(caller) is not None


def test_a_superuser_still_works_at_every_gate():
    admin = factories.UserFactory(is_superuser=True, is_staff=True)

    caller, statements = _authenticate(admin)

    assert statements == 1
    assert gate_ids_for_user(caller) == set(Gate.objects.values_list("id", flat=True))
    assert len(gate_ids_for_user(caller)) > 1


def test_an_unknown_token_is_refused_as_drf_refuses_it():
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION="Token no-such-key")

    with pytest.raises(AuthenticationFailed) as refused:
        CallerTokenAuthentication().authenticate(request)

    assert refused.value.detail == "Invalid token."


def test_an_inactive_users_token_is_refused_as_drf_refuses_it(owner):
    owner.is_active = False
    owner.save()
    key = Token.objects.create(user=owner).key
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")

    with pytest.raises(AuthenticationFailed) as refused:
        CallerTokenAuthentication().authenticate(request)

    assert refused.value.detail == "User inactive or deleted."


@pytest.mark.parametrize("url", ["/api/v1/vehicles/", "/api/v1/kiosk/scan/"])
def test_the_api_answers_401_to_a_bad_token_and_to_an_inactive_user(owner, url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token no-such-key")
    assert client.post(url, {}, format="json").status_code == 401

    owner.is_active = False
    owner.save()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    response = client.post(url, {}, format="json")
    assert response.status_code == 401
    assert "User inactive or deleted." in response.content.decode()


def test_without_postgresql_the_caller_is_read_part_by_part_with_the_same_answers(
    company, owner, monkeypatch
):
    monkeypatch.setattr(authentication, "caller_in_one_statement", lambda model: False)

    caller, statements = _authenticate(owner)

    assert statements == 1  # the token and its user; the rest when asked
    with CaptureQueriesContext(connection) as queries:
        assert _who(caller) == {
            "roles": {Role.OPERATOR},
            "company": company,
            "assignment": None,
            "agency": "",
            "gates": set(),
        }
    assert len(queries) > 0


def test_a_caller_who_registers_a_company_is_its_operator_within_the_same_request(stranger):
    caller, _statements = _authenticate(stranger)
    assert not user_has_role(caller, Role.OPERATOR)

    company = company_create_for_user(user=caller, data={"name": "Lộc Bình", "tax_code": "4900777777"})

    assert user_has_role(caller, Role.OPERATOR)
    assert company_for_user(caller) == company


def _fields(obj):  # type: ignore[no-untyped-def]
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.postgres  # one statement: PostgreSQL's arrays (elsewhere DRF's read)
@pytest.mark.parametrize("kind", ["operator", "officer"])
def test_the_statement_reads_every_field_as_the_orm_reads_it(kind, company, owner):  # type: ignore[no-untyped-def]
    """The hand-written statement (built once per process) gives the token, its user, the
    membership with its company and the assignment exactly as the ORM reads them."""
    user = owner if kind == "operator" else factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS)
    caller, _statements = _authenticate(user)
    orm = type(user).objects.select_related("company_member__company", "staff_assignment").get(pk=user.pk)
    assert _fields(caller) == _fields(orm)
    assert caller.auth_token.key == Token.objects.get(user=user).key
    if kind == "operator":
        assert _fields(caller.company_member) == _fields(orm.company_member)
        assert _fields(caller.company_member.company) == _fields(orm.company_member.company)
    else:
        assert _fields(caller.staff_assignment) == _fields(orm.staff_assignment)
    assert caller._state.adding is False
