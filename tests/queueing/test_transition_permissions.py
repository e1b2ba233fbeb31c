"""Who may fire each booking transition: declared on the transition (`permission=`), checked by
the service before `fire()`; the system (actor None) passes, and no person fires a system step."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_fsm import FSMField, has_transition_perm

from cuakhau.accounts.roles import Agency, Role
from cuakhau.errors import NotAllowed
from cuakhau.transitions.models import TransitionLog
from queueing import services
from queueing.models import Booking
from tests import factories
from tests.kiosk.conftest import make_booking

pytestmark = pytest.mark.django_db

# Each transition, the state it leaves, and who may fire it (by name, see `people`).
YARD = {"gate_staff_here", "superuser"}
OWNERS = {"owner", "gate_manager_here", "superuser"}
TABLE = [
    ("check_in", "confirmed", YARD),
    ("send_to_inspection", "in_yard", YARD),
    ("pass_inspection", "inspection", YARD),
    ("call", "in_yard", YARD),
    ("depart", "called", YARD),
    ("cancel", "confirmed", OWNERS),
    ("move", "confirmed", OWNERS),
    ("withdraw", "in_yard", set()),  # a declaration's end, the system
    ("mark_no_show", "confirmed", set()),  # the no-show sweep, the system
]


def people(booking: Booking) -> dict[str, object]:
    """Everyone who might try, around a booking at Hữu Nghị."""
    return {
        "owner": factories.operator_user(booking.company),
        "other_owner": factories.operator_user(),
        "gate_staff_here": factories.staff_user(Role.GATE_STAFF, gates=["HUU_NGHI"]),
        "gate_staff_elsewhere": factories.staff_user(Role.GATE_STAFF, gates=["TAN_THANH"]),
        "gate_manager_here": factories.staff_user(Role.GATE_MANAGER, gates=["HUU_NGHI"]),
        "gate_manager_elsewhere": factories.staff_user(Role.GATE_MANAGER, gates=["TAN_THANH"]),
        "customs_officer": factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=["HUU_NGHI"]),
        "stranger": factories.UserFactory(),
        "superuser": factories.UserFactory(is_superuser=True, is_staff=True),
    }


@pytest.mark.parametrize(("transition", "source", "allowed"), TABLE, ids=[row[0] for row in TABLE])
def test_who_may_fire_each_booking_transition(transition, source, allowed):
    booking = make_booking(state=source)
    may = {
        name
        for name, user in people(booking).items()
        if has_transition_perm(getattr(booking, transition), user)
    }
    assert may == allowed


def test_every_transition_of_every_state_machine_declares_who_may_fire_it():
    undeclared = [
        f"{model.__name__}.{t.name}"
        for model in apps.get_models()
        for field in model._meta.fields
        if isinstance(field, FSMField)
        for t in field.get_all_transitions(model)
        if t.permission is None
    ]
    assert undeclared == []


def test_a_customs_officer_cannot_call_a_truck_and_nothing_changes():
    booking = make_booking(state="in_yard")
    officer = factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=["HUU_NGHI"])
    logged = TransitionLog.objects.count()
    with pytest.raises(NotAllowed) as refused:
        services.booking_call(booking=booking, actor=officer)
    assert refused.value.status_code == 403
    booking.refresh_from_db()
    assert (booking.state, booking.called_at) == ("in_yard", None)
    assert TransitionLog.objects.count() == logged


def test_gate_staff_of_another_gate_cannot_admit_the_truck():
    booking = make_booking(state="confirmed")
    elsewhere = factories.staff_user(Role.GATE_STAFF, gates=["TAN_THANH"])
    with pytest.raises(NotAllowed):
        services.booking_check_in(booking=booking, actor=elsewhere)
    booking.refresh_from_db()
    assert booking.state == "confirmed"


def test_gate_staff_of_the_gate_admit_the_truck_and_the_log_names_them():
    from cuakhau.transitions.services import history

    booking = make_booking(state="confirmed")
    staff = factories.staff_user(Role.GATE_STAFF, gates=["HUU_NGHI"])
    services.booking_check_in(booking=booking, actor=staff)
    booking.refresh_from_db()
    assert booking.state == "in_yard"
    assert history(booking).last().actor == staff


def test_the_system_passes_and_is_logged_by_its_label():
    """Call-forward, sweeps, the waitlist and kiosk devices act with actor None."""
    from cuakhau.transitions.services import history

    booking = make_booking(state="in_yard")
    services.booking_call(booking=booking, actor=None, actor_label="call-forward")
    booking.refresh_from_db()
    assert booking.state == "called"
    assert (history(booking).last().actor, history(booking).last().actor_label) == (None, "call-forward")


def test_a_gate_manager_of_the_gate_closing_a_slot_moves_or_cancels_its_bookings_in_their_name():
    from cuakhau.transitions.services import history

    booking = make_booking(state="confirmed")
    old_slot = booking.slot_id
    here = factories.staff_user(Role.GATE_MANAGER, gates=["HUU_NGHI"])
    services.slot_close(slot=booking.slot, actor=here)
    booking.refresh_from_db()
    last = history(booking).last()
    assert (last.transition, last.actor) in {("cancel", here), ("move", here)}
    assert booking.state == "cancelled" if last.transition == "cancel" else booking.slot_id != old_slot
