"""The booking request's hot path (queueing/api.py `booking_params`, `booking_reply`) gives
exactly what BookingSerializer gives: the same declaration and slot, the same 400 and messages,
the same reply."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from declarations.models import Declaration
from queueing import api, selectors
from queueing.models import Booking, Slot

from .conftest import make_declaration, make_slot

pytestmark = pytest.mark.django_db


def _request(body, user):  # type: ignore[no-untyped-def]
    """A request from `user` as authentication gives it: a fresh instance, company not known yet."""
    request = Request(APIRequestFactory().post("/", body, format="json"), parsers=[JSONParser()])
    request.user = type(user).objects.get(pk=user.pk)
    return request


def _declared(body, user):  # type: ignore[no-untyped-def]
    serializer = api.BookingSerializer(data=body, context={"request": _request(body, user)})
    if serializer.is_valid():
        return serializer.validated_data["declaration"], serializer.validated_data["slot"]
    return serializer.errors


def _direct(body, user):  # type: ignore[no-untyped-def]
    try:
        return api.booking_params(_request(body, user))
    except serializers.ValidationError as error:
        return error.detail


# What each body names: "d" the caller's declaration, "s" a slot, "x" another company's
# declaration; anything else is sent as it is.
BODIES = [
    pytest.param({"declaration": "d", "slot": "s"}, True, id="plain ids"),
    pytest.param({"slot": "s", "declaration": "d"}, True, id="plain ids, other order"),
    pytest.param({"declaration": "x", "slot": "s"}, False, id="another company's declaration"),
    pytest.param({"declaration": "d", "slot": 0}, False, id="slot 0"),
    pytest.param({"declaration": -1, "slot": "s"}, False, id="negative declaration"),
    pytest.param({"declaration": "d", "slot": 10**30}, False, id="slot out of range"),
    pytest.param({"declaration": 10**30, "slot": 10**30}, False, id="both out of range"),
    pytest.param({"declaration": "d", "slot": True}, False, id="slot true"),
    pytest.param({"declaration": "d", "slot": None}, False, id="slot null"),
    pytest.param({"declaration": "d"}, False, id="slot missing"),
    pytest.param({}, False, id="empty body"),
    pytest.param({"declaration": "d", "slot": "s", "state": "confirmed"}, False, id="read-only field"),
    pytest.param({"declaration": "d", "slot": "s", "note": "hi"}, False, id="unknown field"),
    pytest.param({"declaration": "d-str", "slot": "s-str"}, False, id="ids as strings"),
    pytest.param({"declaration": "d", "slot": "s-float"}, False, id="slot as a float"),
    pytest.param({"declaration": "d", "slot": "nine"}, False, id="slot a word"),
    pytest.param({"declaration": "d", "slot": ["s"]}, False, id="slot a list"),
    pytest.param({"declaration": {"id": 1}, "slot": "s"}, False, id="declaration an object"),
    pytest.param([1, 2], False, id="a list body"),
]


@pytest.mark.parametrize(("template", "plain"), BODIES)
def test_the_direct_reading_gives_what_the_serializer_gives(
    template, plain, owner, company, other_company, gate, monkeypatch
):  # type: ignore[no-untyped-def]
    mine, theirs, slot = make_declaration(company), make_declaration(other_company), make_slot(gate)
    names = {"d": mine.pk, "x": theirs.pk, "s": slot.pk, "d-str": str(mine.pk), "s-str": str(slot.pk)}
    names["s-float"] = float(slot.pk)

    def fill(v):  # type: ignore[no-untyped-def]
        if isinstance(v, list):
            return [fill(x) for x in v]
        return names.get(v, v) if isinstance(v, str) else v

    body = {k: fill(v) for k, v in template.items()} if isinstance(template, dict) else template
    declared = _declared(body, owner)
    if plain:
        # The usual body builds no serializer at all.
        monkeypatch.setattr(api, "BookingSerializer", None)
    direct = _direct(body, owner)
    assert direct == declared
    if isinstance(declared, tuple):
        declaration, slot_read = direct
        assert (declaration.pk, slot_read.pk) == (mine.pk, slot.pk)
        # The slot comes with its gate, as the serializer's read does (booking_create uses it).
        assert Slot._meta.get_field("gate").is_cached(slot_read)
    else:
        assert declared  # a refusal names at least one field


@pytest.mark.parametrize("state", ["confirmed", "in_yard", "called", "cancelled"])
def test_the_booking_reply_is_what_its_serializer_declares(state):  # type: ignore[no-untyped-def]
    """The API answers `booking_reply` to a new booking; BookingSerializer declares the shape:
    the same dict, key for key and in order, in every state (with a queue position or not)."""
    from tests.kiosk.conftest import make_booking

    booking = make_booking(state=state)
    booking = Booking.objects.select_related("slot", "gate", "vehicle").get(pk=booking.pk)
    direct = api.booking_reply(booking, selectors.queue_position(booking))
    declared = api.BookingSerializer(booking).data
    assert list(direct) == list(declared)
    assert direct == declared


def _fields(obj):  # type: ignore[no-untyped-def]
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize("company_known_first", [False, True], ids=["by membership", "company known"])
def test_the_usual_body_is_one_statement_that_reads_what_the_orm_reads(
    company_known_first, owner, company, gate, django_assert_num_queries
):  # type: ignore[no-untyped-def]
    """The caller's declaration and the slot with its gate in one statement, every field as the
    ORM reads it, the company remembered; then nothing more is read to use them."""
    from vehicles.selectors import company_for_user

    declaration, slot = make_declaration(company), make_slot(gate)
    request = _request({"declaration": declaration.pk, "slot": slot.pk}, owner)
    if company_known_first:
        company_for_user(request.user)  # as an authentication that read the membership leaves it
    with django_assert_num_queries(1):
        read_declaration, read_slot = api.booking_params(request)
        assert company_for_user(request.user) == company  # known now: no query
    assert _fields(read_declaration) == _fields(Declaration.objects.get(pk=declaration.pk))
    assert _fields(read_slot) == _fields(Slot.objects.get(pk=slot.pk))
    with django_assert_num_queries(0):
        assert _fields(read_slot.gate) == _fields(gate)
        assert _fields(read_declaration.company) == _fields(company)
    assert read_declaration._state.adding is False and read_slot._state.db == "default"


def test_a_declaration_of_the_callers_company_is_found_only_through_its_membership(
    owner, other_owner, company, gate
):  # type: ignore[no-untyped-def]
    """The joined read does not find another company's declaration, and does not remember a
    company for a caller it did not find: the serializer then answers, as for any other miss."""
    from vehicles.selectors import company_known

    declaration, slot = make_declaration(company), make_slot(gate)
    request = _request({"declaration": declaration.pk, "slot": slot.pk}, other_owner)
    with pytest.raises(serializers.ValidationError) as refused:
        api.booking_params(request)
    assert "declaration" in refused.value.detail and "slot" not in refused.value.detail
    assert company_known(request.user)  # by the serializer, as before
    assert (
        api.booking_params(_request({"declaration": declaration.pk, "slot": slot.pk}, owner))[0]
        == declaration
    )


def test_the_201_reply_is_the_serializers_output(api_client, owner, declaration, slot):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(owner)
    response = api_client.post(
        "/api/v1/bookings/", {"declaration": declaration.pk, "slot": slot.pk}, format="json"
    )
    assert response.status_code == 201
    booking = Booking.objects.get(pk=response.json()["id"])
    expected = api.BookingSerializer(booking).data
    assert response.json() == {k: v for k, v in expected.items()}
    assert list(response.json()) == list(expected)
