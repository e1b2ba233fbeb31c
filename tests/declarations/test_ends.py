"""What a declaration's end closes: each end × each state of the other reviews, the booking and the
fee (services.ends.declaration_close_open_ends, the one rule).

Each case builds a declaration of fruit (customs, border guard, quarantine) with the object under
test placed directly in the state of the row, then ends the declaration through the real
service (an officer's rejection, the owner's cancellation, the expiry sweep's service, the lane's
completion) and reads back what the database holds.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cuakhau.errors import Conflict
from cuakhau.notifications.models import Notification
from cuakhau.transitions.services import history
from declarations import services
from declarations.fees.models import Fee
from declarations.fees.selectors import fee_panel_context
from declarations.fees.services import fee_assess, fee_refund, payment_record_cash, payment_sandbox_callback
from declarations.models import AgencyReview, Declaration
from queueing import services as queue
from queueing.models import Booking, Slot, WaitlistEntry
from tests import factories
from tests.queueing.conftest import make_slot

pytestmark = pytest.mark.django_db

ENDS = ["rejected", "cancelled", "expired", "completed"]
# Where each end starts from, and the words its closed reviews carry.
START = {
    "rejected": "under_review",
    "cancelled": "under_review",
    "expired": "cleared",
    "completed": "cleared",
}
REASON = {
    "rejected": "closed: rejected by border guard",
    "cancelled": "closed: cancelled by the company",
    "expired": "closed: the declaration expired unused",
    "completed": "closed: the truck crossed",
}


def reads_english(user, language: str = "en") -> None:  # type: ignore[no-untyped-def]
    from cuakhau.accounts.models import Profile

    Profile.objects.update_or_create(user=user, defaults={"language": language})


def make(owner, *, state: str, quarantine: str = "approved") -> Declaration:  # type: ignore[no-untyped-def]
    """A fruit declaration in `state`; border guard in review (so it can reject), customs
    approved, quarantine in `quarantine`."""
    from vehicles.selectors import company_for_user

    company = company_for_user(owner)
    declaration = factories.DeclarationFactory(
        company=company,
        state=state,
        channel="yellow",
        round=1,
        required_agencies=["customs", "border_guard", "quarantine"],
        valid_until=timezone.now() + dt.timedelta(days=3) if state == "cleared" else None,
    )
    factories.CargoLineFactory(declaration=declaration)
    border_guard = "approved" if state == "cleared" else "in_review"
    for agency, review_state in (
        ("customs", "approved"),
        ("border_guard", border_guard),
        ("quarantine", quarantine),
    ):
        AgencyReview.objects.create(declaration=declaration, agency=agency)
        AgencyReview.objects.filter(declaration=declaration, agency=agency).update(
            state=review_state,
            note="asked for the phytosanitary certificate" if review_state == "info_requested" else "",
        )
    return declaration


def end(kind: str, declaration: Declaration, owner, officers) -> None:  # type: ignore[no-untyped-def]
    if kind == "rejected":
        review = declaration.reviews.get(agency="border_guard")
        services.review_reject(
            actor=officers["border_guard"], review=review, note="plate does not match the papers"
        )
    elif kind == "cancelled":
        services.declaration_cancel(actor=owner, declaration=declaration, note="trip called off")
    elif kind == "expired":
        Declaration.objects.filter(pk=declaration.pk).update(
            valid_until=timezone.now() - dt.timedelta(minutes=1)
        )
        services.declaration_expire(declaration=declaration)
    else:
        services.declaration_complete(declaration=declaration, actor_label="lane")
    declaration.refresh_from_db()


# --- each end × each state of another agency's review --------------------------------------------
@pytest.mark.parametrize("review_state", ["pending", "in_review", "info_requested", "approved", "rejected"])
@pytest.mark.parametrize("kind", ENDS)
def test_an_end_closes_the_other_agencies_open_reviews_with_a_reason_naming_it(
    kind, review_state, owner, officers
):
    declaration = make(owner, state=START[kind], quarantine=review_state)
    end(kind, declaration, owner, officers)
    assert declaration.state == kind
    quarantine = declaration.reviews.get(agency="quarantine")
    if review_state in ("pending", "in_review", "info_requested"):
        assert quarantine.state == "closed"
        assert quarantine.note == REASON[kind]
        log = history(quarantine).get(transition="close")
        assert (log.source, log.target, log.note) == (review_state, "closed", REASON[kind])
    else:
        assert quarantine.state == review_state
        assert not history(quarantine).filter(transition="close").exists()
    # The quarantine officer's work queue (open reviews) no longer holds it.
    open_ = AgencyReview.objects.filter(
        agency="quarantine", state__in=["pending", "in_review", "info_requested"]
    )
    assert not open_.filter(declaration=declaration).exists()
    # Whatever was closed, the owner hears about the end exactly once.
    told = Notification.objects.filter(recipient=owner, channel="in_app", subject_id=declaration.pk)
    ends_told = told.filter(event__in=[f"declaration.{e}" for e in ENDS])
    assert list(ends_told.values_list("event", flat=True)) == [f"declaration.{kind}"]
    if kind == "rejected":
        assert not told.filter(event="declaration.rejected").exclude(pk=ends_told.get().pk).exists()
        assert "plate does not match the papers" in ends_told.get().body


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Border guard rejected declaration {number}: plate does not match the papers. "
               "The agencies' open reviews are closed."),
        ("vi", "Biên phòng đã từ chối tờ khai {number}: plate does not match the papers. "
               "Các hồ sơ xem xét còn mở của các cơ quan đã được đóng."),
    ],
)  # fmt: skip
def test_a_rejection_names_the_agency_and_its_reason_in_the_one_message(language, expected, owner, officers):
    reads_english(owner, language)
    declaration = make(owner, state="under_review", quarantine="pending")
    end("rejected", declaration, owner, officers)
    message = Notification.objects.get(recipient=owner, channel="in_app", event="declaration.rejected")
    assert message.body == expected.format(number=declaration.number)


# --- each end × each state of the booking -----------------------------------------------------------
BOOKING_STATES = ["none", "confirmed", "in_yard", "inspection", "called", "departed", "cancelled", "no_show"]


@pytest.mark.parametrize("booking_state", BOOKING_STATES)
@pytest.mark.parametrize("kind", ENDS)
def test_an_end_cancels_a_live_booking_and_frees_its_place(kind, booking_state, owner, officers, gate):
    reads_english(owner)
    declaration = make(owner, state=START[kind])
    slot = make_slot(gate, capacity=1)
    booking = None
    if booking_state != "none":
        booking = queue.booking_create(declaration=declaration, slot=slot, actor=owner)
        Booking.objects.filter(pk=booking.pk).update(state=booking_state)
    # Another declaration waits for this full slot.
    other = make(owner, state="under_review")
    if booking_state == "confirmed":
        queue.waitlist_join(declaration=other, slot=slot, actor=owner)
    if kind == "expired" and booking_state in ("in_yard", "inspection", "called"):
        # A truck in the yard is using its declaration: it does not expire under it.
        with pytest.raises(Conflict) as err:
            end(kind, declaration, owner, officers)
        assert err.value.code == "in_use"
        declaration.refresh_from_db()
        assert declaration.state == "cleared"
        assert Booking.objects.get(pk=booking.pk).state == booking_state
        return
    end(kind, declaration, owner, officers)
    slot.refresh_from_db()
    if booking is None:
        assert slot.booked == 0
        return
    booking.refresh_from_db()
    if booking_state == "confirmed":
        assert booking.state == "cancelled"
        assert slot.booked == 0
        assert history(booking).filter(transition="cancel", target="cancelled").count() == 1
        assert WaitlistEntry.objects.get(declaration=other).state == "offered"
    elif booking_state in ("in_yard", "inspection", "called"):
        assert booking.state == "cancelled"
        assert history(booking).filter(transition="withdraw", source=booking_state).count() == 1
        assert slot.booked == 1  # the slot has started: there is no place to give back
    else:
        assert booking.state == booking_state
        assert slot.booked == 1
    message = Notification.objects.get(recipient=owner, channel="in_app", event=f"declaration.{kind}")
    assert not Notification.objects.filter(event="booking.cancelled", subject_id=booking.pk).exists()
    if booking_state == "confirmed":
        assert (
            f"The booking of {declaration.vehicle.plate} at Hữu Nghị International Border Gate"
            in message.body
        )


def test_an_end_takes_the_declaration_off_every_waitlist(owner, officers, gate):
    declaration = make(owner, state="under_review")
    full = make_slot(gate, capacity=1)
    queue.booking_create(declaration=make(owner, state="under_review"), slot=full, actor=owner)
    entry = queue.waitlist_join(declaration=declaration, slot=full, actor=owner)
    end("cancelled", declaration, owner, officers)
    entry.refresh_from_db()
    assert (entry.state, entry.note) == ("left", "closed: cancelled by the company")


# --- each end × each state of the fee -------------------------------------------------------------
@pytest.mark.parametrize("fee_state", ["none", "unpaid", "paid", "refunded"])
@pytest.mark.parametrize("kind", ENDS)
def test_an_end_makes_an_unpaid_fee_not_due_unless_the_truck_crossed(kind, fee_state, owner, officers):
    reads_english(owner)
    declaration = make(owner, state=START[kind])
    if fee_state != "none":
        fee = fee_assess(declaration=declaration)
        Fee.objects.filter(pk=fee.pk).update(state=fee_state)
    end(kind, declaration, owner, officers)
    message = Notification.objects.get(recipient=owner, channel="in_app", event=f"declaration.{kind}")
    if fee_state == "none":
        assert not Fee.objects.filter(declaration=declaration).exists()
        return
    fee.refresh_from_db()
    expected = {"unpaid": "unpaid" if kind == "completed" else "not_due"}.get(fee_state, fee_state)
    assert fee.state == expected
    assert history(fee).filter(transition="mark_not_due").count() == (1 if expected == "not_due" else 0)
    if expected == "not_due":
        assert "The fee of 100.000 VND is no longer due: do not pay it." in message.body
        assert fee_panel_context(declaration)["vietqr"] is None
    if fee_state == "paid" and kind != "completed":
        assert "The fee already paid (100.000 VND) can be refunded" in message.body


def test_staff_take_no_money_for_a_fee_not_due_but_money_that_arrives_is_recorded_for_refund(
    owner, officers, gate_staff, gate_manager
):
    import hashlib
    import hmac
    import json

    from django.conf import settings

    declaration = make(owner, state="under_review")
    fee = fee_assess(declaration=declaration)
    end("rejected", declaration, owner, officers)
    with pytest.raises(Conflict):
        payment_record_cash(fee=fee, amount=100_000, receipt_number="R-1", staff=gate_staff)
    body = json.dumps({"txn_id": "SBX-9", "reference": declaration.number, "amount": 100_000}).encode()
    signature = "sha256=" + hmac.new(settings.FEE_CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    payment, created = payment_sandbox_callback(body=body, signature=signature)
    assert created and payment.amount == 100_000
    fee.refresh_from_db()
    assert fee.state == "paid"
    fee_refund(fee=fee, reason="declaration rejected", manager=gate_manager)
    fee.refresh_from_db()
    assert fee.state == "refunded"


def test_a_slot_freed_by_an_end_goes_to_the_first_auto_booking_waiter(owner, officers, gate):
    declaration = make(owner, state="under_review")
    slot = make_slot(gate, capacity=1)
    queue.booking_create(declaration=declaration, slot=slot, actor=owner)
    waiting = make(owner, state="under_review")
    queue.waitlist_join(declaration=waiting, slot=slot, actor=owner, auto_book=True)
    end("cancelled", declaration, owner, officers)
    assert Booking.objects.get(declaration=waiting).slot_id == slot.pk
    assert Slot.objects.get(pk=slot.pk).booked == 1
