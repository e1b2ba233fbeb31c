"""THE kiosk verdict: what the gate does with a truck, and why, in one function.

`verdict()` is pure apart from one read (the unpaid fee, asked only when a truck is about to be
released). Every caller — the kiosk page, the camera API, the action endpoint's re-check — uses
it, so a rule changes in one place. The table of rules is mirrored in docs/kiosk.md.

Rules, first match wins:

1. no booking found: unknown ticket → DENY; fuzzy candidates → CHECK (staff confirm the plate,
   never an automatic ALLOW); else no booking today → DENY (both DENYs repeat what was read)
2. ticket QR presented with another plate → DENY, flagged `possible_fraud`
3. booked at another gate → DENY; lane of another direction → DENY
4. booking cancelled / no-show / departed → DENY
5. declaration not submitted / rejected / cancelled / returned / expired / completed → DENY
6. confirmed (yard entry): too early, too late → DENY; not cleared yet → ALLOW admit (the truck
   waits in the yard); cleared → ALLOW admit
7. in the yard: red channel not inspected → CHECK, action inspect (send to inspection); at
   inspection → CHECK, action inspect (record the result); not cleared → CHECK, no action;
   FEE UNPAID → CHECK, no action, with the amount; else ALLOW release
8. called to the lane: FEE UNPAID → CHECK; else ALLOW exit
9. a camera read the ticket but not the plate: what would be ALLOW is CHECK, no action (plate
   not seen: staff compare the truck with the booked plate; a ticket is useless on another truck)
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cuakhau.money import vnd_digits
from declarations.fees.selectors import fee_unpaid_amount
from declarations.models import Channel, Declaration, DeclarationState
from queueing.models import Booking, BookingState
from queueing.rules import entry_window, needs_inspection
from vehicles.models import Direction, Gate
from vehicles.plates import canonical_plate

from .models import Actions, Verdicts

# reason code → message shown to staff in their language (formatted with the verdict's params).
REASONS: dict[str, Any] = {
    "unknown_ticket": _("Unknown ticket: no booking has this code. Read: “%(read)s”."),
    "no_booking": _("No booking today for plate %(plate)s. Read: “%(read)s”."),
    "plate_not_seen": _(
        "Ticket of %(booked)s, but the camera did not read the plate: compare the truck's plate before letting it through."
    ),
    "plate_unsure": _("Plate not found exactly. Confirm the truck's plate among the candidates."),
    "ticket_plate_mismatch": _(
        "This ticket belongs to %(booked)s, not to %(scanned)s: possible fraud. Hold the truck."
    ),
    "wrong_gate": _("Booked at another gate: %(gate)s."),
    "wrong_direction": _("Booked for %(direction)s, but this lane serves %(lane_direction)s."),
    "booking_cancelled": _("This booking was cancelled."),
    "no_show": _("This booking lapsed as a no-show; the operator must book again."),
    "already_departed": _("Already departed at %(time)s."),
    "declaration_draft": _("The declaration has not been submitted."),
    "declaration_rejected": _("The declaration was rejected."),
    "declaration_cancelled": _("The declaration was cancelled."),
    "declaration_returned": _("The declaration was returned for information; the operator must answer it."),
    "declaration_expired": _("The declaration expired unused; the operator must declare again."),
    "declaration_completed": _("The declaration was already used for a crossing."),
    "too_early": _("Too early: yard entry opens at %(time)s."),
    "too_late": _("Too late: yard entry closed at %(time)s. The operator must book again."),
    "admit_pending_clearance": _("Admit to the yard. Not cleared yet: the truck waits in the yard."),
    "admit": _("Booking confirmed: admit to the yard."),
    "inspection_needed": _("Red channel: send to physical inspection before release."),
    "at_inspection": _("At inspection: record the result when the inspection has passed."),
    "waiting_clearance": _("In the yard, waiting for clearance: do not release yet."),
    "fee_unpaid": _("Fee unpaid: collect %(amount)s VND before release."),
    "release": _("Cleared: release to the border lane."),
    "exit": _("Called to the lane: record the exit."),
}

_DECLARATION_DENIALS = {
    DeclarationState.DRAFT: "declaration_draft",
    DeclarationState.REJECTED: "declaration_rejected",
    DeclarationState.CANCELLED: "declaration_cancelled",
    DeclarationState.RETURNED: "declaration_returned",
    DeclarationState.EXPIRED: "declaration_expired",
    DeclarationState.COMPLETED: "declaration_completed",
}


@dataclass(frozen=True)
class Verdict:
    verdict: str  # allow | check | deny
    reason_code: str
    action: str | None = None  # admit | inspect | release | exit
    flags: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The message in the active language (the staff member's, or the request's)."""
        return str(REASONS[self.reason_code]) % self.params if self.params else str(REASONS[self.reason_code])


def verdict(
    *,
    gate: Gate,
    booking: Booking | None,
    declaration: Declaration | None,
    now: dt.datetime,
    scanned_plate: str = "",
    via_ticket: bool = False,
    lane_direction: str = "",
    candidates: Sequence[str] = (),
    plate_must_be_read: bool = False,
    read: str = "",
) -> Verdict:
    """Decide ALLOW / CHECK / DENY and the one action allowed now (see the module's rule list).

    `read` is what was scanned, as it was read (repeated in a DENY for nothing found);
    `plate_must_be_read` is set for cameras, which must read the plate with a ticket (rule 9).
    """
    scanned = canonical_plate(scanned_plate or "")
    # 1. nothing found
    if booking is None or declaration is None:
        shown = {"read": _shorten(read or scanned_plate), "plate": scanned or "-"}
        if via_ticket:
            return Verdict(Verdicts.DENY, "unknown_ticket", params=shown)
        if candidates:
            return Verdict(Verdicts.CHECK, "plate_unsure", flags=("fuzzy_read",))
        return Verdict(Verdicts.DENY, "no_booking", params=shown)

    decided = _decide(gate, booking, declaration, now, scanned, via_ticket, lane_direction)
    # 9. a ticket without the plate it belongs to is not enough for a camera
    if decided.verdict == Verdicts.ALLOW and via_ticket and plate_must_be_read and not scanned:
        return Verdict(
            Verdicts.CHECK, "plate_not_seen", None, decided.flags, {"booked": booking.plate_canonical}
        )
    return decided


def _decide(
    gate: Gate,
    booking: Booking,
    declaration: Declaration,
    now: dt.datetime,
    scanned: str,
    via_ticket: bool,
    lane_direction: str,
) -> Verdict:
    """Rules 2-8, for a booking that was found."""
    flags = _flags(booking, declaration)

    # 2. a ticket is bound to its truck
    if via_ticket and scanned and scanned != booking.plate_canonical:
        return Verdict(
            Verdicts.DENY,
            "ticket_plate_mismatch",
            flags=(*flags, "possible_fraud"),
            params={"booked": booking.plate_canonical, "scanned": scanned},
        )

    # 3. right place
    if booking.gate_id != gate.pk:
        return Verdict(Verdicts.DENY, "wrong_gate", flags=flags, params={"gate": booking.gate.code})
    direction = declaration.direction
    if (lane_direction and lane_direction != direction) or not gate.serves(direction):
        return Verdict(
            Verdicts.DENY,
            "wrong_direction",
            flags=flags,
            params={"direction": _direction(direction), "lane_direction": _direction(lane_direction)},
        )

    # 4. bookings that are over
    state = booking.state
    if state == BookingState.DEPARTED:
        return Verdict(
            Verdicts.DENY, "already_departed", flags=flags, params={"time": _local(gate, booking.departed_at)}
        )
    if state == BookingState.CANCELLED:
        return Verdict(Verdicts.DENY, "booking_cancelled", flags=flags)
    if state == BookingState.NO_SHOW:
        return Verdict(Verdicts.DENY, "no_show", flags=flags)

    # 5. a declaration that cannot cross
    denial = _DECLARATION_DENIALS.get(declaration.state)
    if denial:
        return Verdict(Verdicts.DENY, denial, flags=flags)
    cleared = declaration.state == DeclarationState.CLEARED

    # 6. yard entry
    if state == BookingState.CONFIRMED:
        opens, closes = entry_window(gate, booking.slot.start, booking.slot.end)
        if now < opens:
            return Verdict(Verdicts.DENY, "too_early", flags=flags, params={"time": _local(gate, opens)})
        if now > closes:
            return Verdict(Verdicts.DENY, "too_late", flags=flags, params={"time": _local(gate, closes)})
        if not cleared:
            return Verdict(Verdicts.ALLOW, "admit_pending_clearance", Actions.ADMIT, flags)
        return Verdict(Verdicts.ALLOW, "admit", Actions.ADMIT, flags)

    # 7. in the yard
    if state == BookingState.INSPECTION:
        return Verdict(Verdicts.CHECK, "at_inspection", Actions.INSPECT, flags)
    if state == BookingState.IN_YARD:
        if needs_inspection(booking, declaration):
            return Verdict(Verdicts.CHECK, "inspection_needed", Actions.INSPECT, flags)
        if not cleared:
            return Verdict(Verdicts.CHECK, "waiting_clearance", None, flags)
        unpaid = _fee_rule(declaration, flags)
        if unpaid:
            return unpaid
        return Verdict(Verdicts.ALLOW, "release", Actions.RELEASE, flags)

    # 8. at the lane
    if state == BookingState.CALLED:
        if needs_inspection(booking, declaration):
            return Verdict(Verdicts.CHECK, "inspection_needed", None, flags)
        if not cleared:
            return Verdict(Verdicts.CHECK, "waiting_clearance", None, flags)
        unpaid = _fee_rule(declaration, flags)
        if unpaid:
            return unpaid
        return Verdict(Verdicts.ALLOW, "exit", Actions.EXIT, flags)

    # a state this table does not know
    return Verdict(
        Verdicts.DENY, "no_booking", flags=flags, params={"plate": booking.plate_canonical, "read": "-"}
    )


# === THE FEE RULE ==========================================================================
# An unpaid fee never stops a truck at yard entry (it may pay while it waits); it stops the
# release to the lane and the exit: CHECK, no action, the amount shown so staff can collect it.
# The amount is the fees app's answer (declarations.fees.selectors.fee_unpaid_amount).
def _fee_rule(declaration: Declaration, flags: tuple[str, ...]) -> Verdict | None:
    amount = fee_unpaid_amount(declaration)
    if not amount:
        return None
    return Verdict(
        Verdicts.CHECK,
        "fee_unpaid",
        None,
        (*flags, "fee_unpaid"),
        {"amount": vnd_digits(amount), "amount_vnd": amount},
    )


# ===========================================================================================


def _flags(booking: Booking, declaration: Declaration) -> tuple[str, ...]:
    flags = []
    if booking.perishable:
        flags.append("perishable")
    if declaration.channel == Channel.RED:
        flags.append("red_channel")
    return tuple(flags)


def _local(gate: Gate, moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return timezone.localtime(moment, zoneinfo.ZoneInfo(gate.timezone)).strftime("%H:%M %d/%m")


def _direction(code: str) -> str:
    return str(Direction(code).label) if code in Direction.values else "-"


def _shorten(text: str, limit: int = 60) -> str:
    """What was read, as staff may see it: one line, at most `limit` characters."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
