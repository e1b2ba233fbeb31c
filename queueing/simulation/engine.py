"""The simulated gate: a discrete-event loop on a simulated clock that drives the real services.

Runs ONLY inside a run database made for it (see `rundb.py`): it registers companies, drivers,
vehicles and officers, then plays every truck's life through the same public functions the
portal, the admin, the kiosk and Celery beat call:

    declaration_create → declaration_submit (channel, agencies, fee) → booking_create
    → officers: review_claim → review_approve / review_reject / review_request_info
      (→ declaration_resubmit by the operator)
    → kiosk_scan + kiosk_action at yard entry (admit) → wait estimate the portal shows
    → fee paid (transfer confirmed by staff, or cash at the lane)
    → red channel: kiosk_scan + kiosk_action inspect (to inspection, then passed)
    → the call_forward task on the clock's ticks → kiosk_scan + kiosk_action exit at the lane
    → beat sweeps: no-shows, reminders, overdue reviews, expiry

The clock is time-machine's: each event moves it to the event's moment (no sleeping), so every
`timezone.now()` in the services reads simulated time. Events at the same moment run in the
order they were scheduled (a sequence number breaks ties), so one seed gives one history.

What is elided, and why it changes nothing: beat's call-forward tick runs every 30 s; a tick
when no truck could be ready or when the partner's figure is used up calls nobody, so the loop
runs the task only at the 30-s boundary after something changed (a check-in, a decision, an
inspection, a call, midnight). The other sweeps run on their beat cadence or on the hour.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection

from cuakhau.accounts.roles import Role
from cuakhau.errors import DomainError
from cuakhau.notifications import services as outbox
from declarations import services as workflow
from declarations.fees import services as fees
from declarations.fees.selectors import fee_for_declaration
from declarations.models import Declaration, RoutingRule, RuleKind
from declarations.selectors import reviews_for_user
from declarations.tasks import expire_unused_declarations, flag_overdue_reviews
from queueing import rules as queue_rules
from queueing import selectors as queue_selectors
from queueing import services as queue
from queueing.kiosk.models import Actions
from queueing.kiosk.services import kiosk_action, kiosk_scan
from queueing.management.commands.seed_demo import PARTNER_ACCEPTANCE
from queueing.models import CapacityTemplate, PartnerAcceptance
from queueing.tasks import call_forward, no_show_sweep, send_slot_reminders
from vehicles import services as registry
from vehicles.models import Company, CompanyMember, Gate, StaffAssignment

from . import demand
from .params import AGENCIES, Params
from .report import build_report

OFFICER_SHIFT = (6, 22)  # local hours officers work their queue
TICK = dt.timedelta(seconds=30)  # beat's call-forward interval
RETRY = dt.timedelta(minutes=20)  # a truck turned back for a fixable reason tries again
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vi", "Lương", "Nông", "Hà", "Lục"]
GIVEN = ["Văn Hùng", "Văn Dũng", "Thị Lan", "Văn Tuấn", "Minh Đức", "Văn Thắng", "Quốc Bảo", "Văn Sơn"]
CN_NAMES = ["黄志强", "李建国", "王伟", "陈明", "刘洋", "韦国庆", "覃海", "农志刚"]


@dataclass
class Truck:
    plan: demand.TruckPlan
    operator: User
    vehicle_id: int
    driver_id: int
    declaration_id: int | None = None
    round: int = 0
    channel: str = ""
    booking_id: int | None = None
    ticket: str = ""
    slot_start: dt.datetime | None = None
    slot_end: dt.datetime | None = None
    declared_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    checked_in_at: dt.datetime | None = None
    estimate_minutes: int | None = None
    estimate_basis: str = ""
    estimate_beyond_today: bool = False
    inspected_at: dt.datetime | None = None
    called_at: dt.datetime | None = None
    departed_at: dt.datetime | None = None
    outcome: str = "declared"  # ends as departed, no_show, rejected, unbooked, refused_*, in_yard, ...
    notes: list[str] = field(default_factory=list)


@dataclass
class GateWorld:
    gate: Gate
    staff: User
    officers: dict[str, list[User]]
    idle: set[int] = field(default_factory=set)  # officer ids waiting for work
    in_yard: int = 0
    tick_at: dt.datetime | None = None
    bays: list[dt.datetime] = field(default_factory=list)  # when each inspection bay is free
    hours: dict[tuple[dt.date, str], list[int]] = field(default_factory=dict)


class Engine:
    def __init__(self, params: Params, *, progress: Callable[[float, str], None] | None = None) -> None:
        self.params = params
        self.progress = progress or (lambda fraction, text: None)
        self.queue: list[tuple[dt.datetime, int, str, tuple]] = []
        self.seq = itertools.count()
        self.trucks: list[Truck] = []
        self.by_declaration: dict[int, Truck] = {}
        self.by_booking: dict[int, Truck] = {}
        self.worlds: dict[str, GateWorld] = {}
        self.officer_agency: dict[int, tuple[str, str]] = {}  # officer id → (gate code, agency)
        self.users: dict[int, User] = {}
        self.counters: dict[str, int] = defaultdict(int)
        # Where the time goes, per kind of event: how many, their queries, their seconds.
        self.cost: dict[str, dict[str, float]] = defaultdict(
            lambda: {"events": 0, "queries": 0, "seconds": 0.0}
        )
        self.current = "setup"

    # --- the loop ---------------------------------------------------------------------------
    def at(self, when: dt.datetime, kind: str, *args: Any) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), kind, args))

    def run(self) -> dict[str, Any]:
        """Set up the world, play every event until the last simulated day ends, report.

        notify() writes its outbox rows exactly as in production (the rows are part of every
        change); handing them to a sender is not simulated — nobody real is to be told, and
        delivery has its own benchmark — so `enqueue` is a no-op inside the run.
        """
        with (
            mock.patch.object(outbox, "enqueue", lambda ids, *, countdown=None: None),
            connection.execute_wrapper(self._count_query),
        ):
            return self._run()

    def _count_query(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.cost[self.current]["queries"] += 1
        return execute(sql, params, many, context)

    def _run(self) -> dict[str, Any]:
        zone = queue_rules.gate_zone(Gate(timezone="Asia/Ho_Chi_Minh"))
        self.zone = zone
        today = dt.datetime.now(zone).date()
        self.first_day = self.params.first_day(today)
        self.days = [self.first_day + dt.timedelta(days=d) for d in range(self.params.days)]
        self.start = dt.datetime.combine(self.first_day - dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        self.end = dt.datetime.combine(self.days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        with time_machine.travel(self.start, tick=False) as traveller:
            self.progress(0.0, "setup")
            began = time.perf_counter()
            self._setup()
            self._schedule_beat()
            self.cost["setup"]["seconds"] += time.perf_counter() - began
            total = (self.end - self.start).total_seconds()
            last_hour = None
            while self.queue and self.queue[0][0] < self.end:
                when, _seq, kind, args = heapq.heappop(self.queue)
                traveller.move_to(when)
                self.now = when
                self.current = kind
                began = time.perf_counter()
                getattr(self, f"on_{kind}")(*args)
                cost = self.cost[kind]
                cost["events"] += 1
                cost["seconds"] += time.perf_counter() - began
                hour = when.replace(minute=0, second=0, microsecond=0)
                if hour != last_hour:
                    last_hour = hour
                    self.progress(
                        (when - self.start).total_seconds() / total, f"{when.astimezone(zone):%Y-%m-%d %H:%M}"
                    )
            traveller.move_to(self.end)
            self.now = self.end
            self.current = "report"
            self.progress(1.0, "report")
            return build_report(self)

    # --- setup ------------------------------------------------------------------------------
    def _setup(self) -> None:
        """The run database starts migrated and empty of people: make the gates' world."""
        p = self.params
        self.now = self.start
        per_gate = demand.trucks_per_gate(p)
        if p.red_rate > 0:
            RoutingRule.objects.create(
                kind=RuleKind.SAMPLE_RED, value=f"{p.red_rate:.4f}", seed=f"sim{p.seed}", note="simulation"
            )
        serial = itertools.count()
        for code in p.gates:
            gate = Gate.objects.get(code=code)
            if p.capacity_factor != 1.0:
                for template in CapacityTemplate.objects.filter(gate=gate):
                    template.capacity = max(1, round(template.capacity * p.capacity_factor))
                    template.save(update_fields=["capacity"])
                gate.lane_release_per_tick = max(1, round(gate.lane_release_per_tick * p.capacity_factor))
                gate.save(update_fields=["lane_release_per_tick"])
            queue.slots_generate(gate=gate, days=p.days + 2, start_date=self.first_day - dt.timedelta(days=1))
            accepted = self._acceptance(code)
            for day in self.days:
                PartnerAcceptance.objects.update_or_create(
                    gate=gate, date=day, defaults={"accepted": accepted, "note": "simulation"}
                )
            world = GateWorld(
                gate=gate,
                staff=self._staff_user(f"sim-staff-{code.lower()}", Role.GATE_STAFF, "", gate),
                officers={},
                bays=[self.start] * p.inspection_bays,
            )
            for agency, count in demand.officers_per_gate(p, code).items():
                world.officers[agency] = [
                    self._staff_user(f"sim-{agency}-{code.lower()}-{i}", agency, agency, gate)
                    for i in range(count)
                ]
                for officer in world.officers[agency]:
                    self.officer_agency[officer.pk] = (code, agency)
                    self.users[officer.pk] = officer
            for day in self.days:
                for direction in gate.directions:
                    world.hours[(day, direction)] = sorted(
                        {
                            s.start.astimezone(self.zone).hour
                            for s in queue_selectors.slots_for_day(gate, day, direction)
                        }
                    )
            self.worlds[code] = world
            self._register_trucks(code, per_gate[code], serial)
        for world in self.worlds.values():
            for officers in world.officers.values():
                for officer in officers:
                    self.at(self._next_shift_start(self.start), "poll", officer.pk)

    def _acceptance(self, code: str) -> int:
        accepted = demand.partner_acceptance(self.params, code)
        return PARTNER_ACCEPTANCE[code] if accepted is None else accepted

    def _staff_user(self, username: str, role: str, agency: str, gate: Gate) -> User:
        user = User(username=username, is_staff=True)
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=role))
        StaffAssignment.objects.create(user=user, agency=agency).gates.set([gate])
        return user

    def _register_trucks(self, code: str, per_day: int, serial: itertools.count) -> None:
        """Companies (about 12 trucks a day each), their operators, and a fleet of vehicles with
        drivers, all through the registries' services; then every truck's plan."""
        companies = []
        for i in range(max(2, math.ceil(per_day / 12))):
            n = next(serial)
            company = Company(
                name=f"Công ty vận tải mô phỏng {code} {i + 1}",
                tax_code=f"49{n:08d}",
                address="Lạng Sơn",
                phone="0205 3851 000",
            )
            registry.company_validate(company=company)
            company.save()
            operator = User(username=f"sim-op-{code.lower()}-{i}")
            operator.set_unusable_password()
            operator.save()
            operator.groups.add(Group.objects.get(name=Role.OPERATOR))
            CompanyMember.objects.create(user=operator, company=company)
            companies.append((company, operator))
        fleet_size = per_day if self.params.days == 1 else 2 * per_day
        fleet = []
        for v in range(fleet_size):
            company, operator = companies[v % len(companies)]
            n = next(serial)
            chinese = v % 5 in (1, 3)
            if chinese:
                plate = f"桂{'ABFKP'[n % 5]}·{n % 100000:05d}"
                driver = registry.driver_create(
                    company=company,
                    full_name=CN_NAMES[n % len(CN_NAMES)],
                    nationality="CN",
                    id_number=f"E{n:08d}",
                    phone="+86 771 852 0000",
                    licence_number=f"4501{n:014d}",
                )
            else:
                province = ["12", "12", "12", "29", "51", "14", "98"][n % 7]
                plate = f"{province}C-{n // 100 % 1000:03d}.{n % 100:02d}"
                driver = registry.driver_create(
                    company=company,
                    full_name=f"{SURNAMES[n % len(SURNAMES)]} {GIVEN[n % len(GIVEN)]}",
                    nationality="VN",
                    id_number=f"020{n:09d}",
                    phone="0912 000 000",
                    licence_number=f"20{n:010d}",
                )
            kind = ["truck", "refrigerated", "container_tractor"][v % 3]
            vehicle = registry.vehicle_create(company=company, plate=plate, kind=kind, max_gross_kg=40000)
            fleet.append((operator, vehicle.pk, driver.pk))
        for d, day in enumerate(self.days):
            for k in range(per_day):
                operator, vehicle_id, driver_id = fleet[(d * per_day + k) % fleet_size]
                plan = demand.plan_truck(self.params, code, day, k)
                truck = Truck(plan=plan, operator=operator, vehicle_id=vehicle_id, driver_id=driver_id)
                self.trucks.append(truck)
                hours = self.worlds[code].hours.get((day, plan.direction)) or [12]
                hour = demand.wanted_hour(plan, hours)
                wanted = dt.datetime.combine(day, dt.time(hour), tzinfo=self.zone)
                when = max(self.start, wanted - dt.timedelta(hours=plan.declare_before_hours))
                self.at(when, "declare", truck)

    def _schedule_beat(self) -> None:
        """Beat's sweeps on the simulated clock (see the module docstring for the cadence)."""
        moment = self.start
        while moment < self.end:
            self.at(moment + dt.timedelta(minutes=31), "no_shows")  # slots end on the hour + 30 grace
            self.at(moment + dt.timedelta(minutes=2), "reminders")
            self.at(moment + dt.timedelta(minutes=5), "expiry")
            for quarter in range(0, 60, 5):
                self.at(moment + dt.timedelta(minutes=quarter, seconds=10), "overdue")
            if moment.astimezone(self.zone).hour == 0:
                for code in self.worlds:
                    self.at(moment, "tick", code)  # a new day: the partner's new figure
            moment += dt.timedelta(hours=1)

    # --- helpers ----------------------------------------------------------------------------
    def _local_hour(self, moment: dt.datetime) -> int:
        return moment.astimezone(self.zone).hour

    def _next_shift_start(self, moment: dt.datetime) -> dt.datetime:
        local = moment.astimezone(self.zone)
        opens = local.replace(hour=OFFICER_SHIFT[0], minute=0, second=0, microsecond=0)
        if local < opens:
            return opens
        return opens + dt.timedelta(days=1)

    def _on_shift(self, moment: dt.datetime) -> bool:
        return OFFICER_SHIFT[0] <= self._local_hour(moment) < OFFICER_SHIFT[1]

    def _tick_soon(self, code: str) -> None:
        """Run call-forward at the next 30-s boundary of beat's schedule (once)."""
        world = self.worlds[code]
        seconds = math.floor(self.now.timestamp() / TICK.total_seconds() + 1) * TICK.total_seconds()
        when = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        if world.tick_at is not None and self.now <= world.tick_at <= when:
            return
        world.tick_at = when
        self.at(when, "tick", code)

    def _wake(self, code: str, agencies: list[str]) -> None:
        world = self.worlds[code]
        for agency in agencies:
            for officer in world.officers.get(agency, []):
                if officer.pk in world.idle:
                    world.idle.discard(officer.pk)
                    self.at(self.now, "poll", officer.pk)

    def _scan(self, truck: Truck, lane: str) -> Any:
        world = self.worlds[truck.plan.gate]
        return kiosk_scan(gate=world.gate, lane=lane, raw=truck.ticket, staff=world.staff)

    def _act(self, truck: Truck, scan: Any, action: str) -> Any:
        return kiosk_action(event_id=scan.event.pk, action=action, staff=self.worlds[truck.plan.gate].staff)

    # --- events: the operator ---------------------------------------------------------------
    def on_declare(self, truck: Truck) -> None:
        plan = truck.plan
        world = self.worlds[plan.gate]
        try:
            declaration = workflow.declaration_create(
                actor=truck.operator,
                vehicle=truck.vehicle_id,
                driver=truck.driver_id,
                gate=world.gate,
                direction=plan.direction,
                planned_date=plan.day,
                cargo_lines=plan.cargo,
                containers=plan.containers,
            )
            declaration = workflow.declaration_submit(actor=truck.operator, declaration=declaration)
        except Exception as exc:  # a shaping mistake must show in the report, not stop the run
            truck.outcome = "declaration_refused"
            truck.notes.append(str(exc)[:200])
            return
        truck.declaration_id, truck.round, truck.channel = declaration.pk, 1, declaration.channel or ""
        truck.declared_at = self.now
        self.by_declaration[declaration.pk] = truck
        self._book(truck)
        agencies = [
            a for a in declaration.required_agencies if not (a == "customs" and truck.channel == "green")
        ]
        self._wake(plan.gate, agencies)

    def _book(self, truck: Truck) -> None:
        """Book the wanted hour, else the next later slot with room, else the latest earlier one."""
        plan = truck.plan
        world = self.worlds[plan.gate]
        slots = [
            s
            for s in queue_selectors.slots_for_day(world.gate, plan.day, plan.direction)
            if s.start > self.now and s.available > 0
        ]
        hours = world.hours.get((plan.day, plan.direction)) or [12]
        hour = demand.wanted_hour(plan, hours)
        later = [s for s in slots if self._local_hour(s.start) >= hour]
        earlier = [s for s in reversed(slots) if self._local_hour(s.start) < hour]
        declaration = workflow_declaration(truck.declaration_id)
        for slot in later + earlier:
            try:
                booking = queue.booking_create(declaration=declaration, slot=slot, actor=truck.operator)
            except DomainError as exc:
                if exc.code == "slot_full":
                    continue
                truck.outcome = f"unbooked_{exc.code}"
                return
            truck.booking_id, truck.ticket = booking.pk, booking.ticket
            truck.slot_start, truck.slot_end = slot.start, slot.end
            truck.outcome = "booked"
            self.by_booking[booking.pk] = truck
            if plan.no_show:
                truck.outcome = "no_show"
            else:
                self.at(slot.start + dt.timedelta(minutes=plan.arrival_offset_minutes), "arrive", truck)
            return
        truck.outcome = "unbooked_full"

    def on_resubmit(self, truck: Truck) -> None:
        try:
            workflow.declaration_resubmit(
                actor=truck.operator, declaration=workflow_declaration(truck.declaration_id)
            )
        except DomainError as exc:
            truck.notes.append(f"resubmit: {exc.code}")
            return
        truck.round += 1
        self._wake(truck.plan.gate, list(AGENCIES))

    # --- events: the officers ---------------------------------------------------------------
    def on_poll(self, officer_id: int) -> None:
        code, agency = self.officer_agency[officer_id]
        world = self.worlds[code]
        if not self._on_shift(self.now):
            world.idle.discard(officer_id)
            self.at(self._next_shift_start(self.now), "poll", officer_id)
            return
        officer = self.users[officer_id]
        review = (
            reviews_for_user(officer)
            .prefetch_related(None)
            .filter(
                state="pending",
                ready_at__isnull=False,
                declaration__state__in=["submitted", "under_review"],
            )
            .values_list("pk", "declaration_id")
            .first()
        )
        if review is None:
            world.idle.add(officer_id)
            return
        review_id, declaration_id = review
        try:
            workflow.review_claim(actor=officer, review=review_id)
        except DomainError:
            self.at(self.now, "poll", officer_id)
            return
        truck = self.by_declaration[declaration_id]
        minutes = self.params.minutes(agency) * truck.plan.think_factors[agency]
        self.at(self.now + dt.timedelta(minutes=minutes), "decide", officer_id, review_id, truck)

    def on_decide(self, officer_id: int, review_id: int, truck: Truck) -> None:
        code, agency = self.officer_agency[officer_id]
        officer = self.users[officer_id]
        outcome = demand.review_outcome(truck.plan, agency, truck.round)
        if outcome == "reject":
            truck.outcome = "rejected"  # the operator is told; the truck does not come
        try:
            if outcome == "reject":
                workflow.review_reject(actor=officer, review=review_id, note="Hồ sơ không đạt (mô phỏng).")
            elif outcome == "request_info":
                workflow.review_request_info(
                    actor=officer, review=review_id, note="Bổ sung chứng từ (mô phỏng)."
                )
                self.at(self.now + dt.timedelta(minutes=truck.plan.resubmit_minutes), "resubmit", truck)
            else:
                workflow.review_approve(actor=officer, review=review_id)
        except DomainError as exc:
            truck.notes.append(f"{agency}: {exc.code}")
        self.counters[f"review:{agency}:{outcome}"] += 1
        if self.worlds[code].gate.review_order:
            self._wake(code, list(AGENCIES))
        if self.worlds[code].in_yard:
            self._tick_soon(code)
        self.at(self.now, "poll", officer_id)

    # --- events: the yard ---------------------------------------------------------------------
    def on_arrive(self, truck: Truck) -> None:
        if truck.outcome == "rejected":
            return
        world = self.worlds[truck.plan.gate]
        truck.arrived_at = truck.arrived_at or self.now
        scan = self._scan(truck, "entry")
        verdict = scan.verdict
        if verdict.action == Actions.ADMIT:
            result = self._act(truck, scan, Actions.ADMIT)
            truck.checked_in_at = self.now
            truck.outcome = "in_yard"
            world.in_yard += 1
            # What the portal shows the driver now: the same selector as its booking page.
            estimate = queue_selectors.wait_estimate(world.gate, result.booking)
            truck.estimate_minutes = estimate.minutes
            truck.estimate_basis = estimate.basis
            truck.estimate_beyond_today = estimate.beyond_today
            if not truck.plan.pays_cash:
                self._pay(truck, cash=False)
            if result.booking.inspection_required or truck.channel == "red":
                start = max(self.now, min(world.bays))
                minutes = self.params.inspection_minutes * truck.plan.inspection_factor
                world.bays[world.bays.index(min(world.bays))] = start + dt.timedelta(minutes=minutes)
                self.at(start, "inspect_start", truck)
                self.at(start + dt.timedelta(minutes=minutes), "inspect_end", truck)
            self._tick_soon(truck.plan.gate)
            return
        code = verdict.reason_code
        assert truck.slot_start is not None and truck.slot_end is not None  # a booked truck has its slot
        closes = queue_rules.entry_window(world.gate, truck.slot_start, truck.slot_end)[1]
        if code == "too_early":
            opens = queue_rules.entry_window(world.gate, truck.slot_start, truck.slot_end)[0]
            self.at(opens, "arrive", truck)
        elif code in ("declaration_returned", "declaration_draft") and self.now + RETRY <= closes:
            self.at(self.now + RETRY, "arrive", truck)
        else:
            truck.outcome = f"refused_{code}"

    def _pay(self, truck: Truck, *, cash: bool) -> None:
        fee = fee_for_declaration(workflow_declaration(truck.declaration_id))
        if fee is None or fee.state != "unpaid" or fee.amount <= 0:
            return
        staff = self.worlds[truck.plan.gate].staff
        if cash:
            fees.payment_record_cash(fee=fee, amount=fee.amount, receipt_number=f"SIM-{fee.pk}", staff=staff)
        else:
            fees.payment_confirm_transfer(fee=fee, reference=f"SIMTX{fee.pk}", staff=staff)

    def on_inspect_start(self, truck: Truck) -> None:
        scan = self._scan(truck, "inspection")
        if scan.verdict.action == Actions.INSPECT:
            self._act(truck, scan, Actions.INSPECT)

    def on_inspect_end(self, truck: Truck) -> None:
        scan = self._scan(truck, "inspection")
        if scan.verdict.action == Actions.INSPECT:
            self._act(truck, scan, Actions.INSPECT)
            truck.inspected_at = self.now
            self._tick_soon(truck.plan.gate)

    def on_tick(self, code: str) -> None:
        world = self.worlds[code]
        world.tick_at = None
        called = call_forward(world.gate.pk)  # the beat task itself, in-process
        for booking_id in called:
            truck = self.by_booking[booking_id]
            truck.called_at = self.now
            truck.outcome = "called"
            world.in_yard -= 1
            self.at(self.now + dt.timedelta(minutes=truck.plan.to_lane_minutes), "exit", truck)
        if called:
            self._tick_soon(code)

    def on_exit(self, truck: Truck) -> None:
        scan = self._scan(truck, "exit")
        if scan.verdict.reason_code == "fee_unpaid":
            self._pay(truck, cash=True)
            scan = self._scan(truck, "exit")
        if scan.verdict.action == Actions.EXIT:
            self._act(truck, scan, Actions.EXIT)
            truck.departed_at = self.now
            truck.outcome = "departed"
        else:
            truck.outcome = f"stuck_{scan.verdict.reason_code}"

    # --- events: beat -------------------------------------------------------------------------
    def on_no_shows(self) -> None:
        no_show_sweep()

    def on_reminders(self) -> None:
        send_slot_reminders()

    def on_expiry(self) -> None:
        expire_unused_declarations()

    def on_overdue(self) -> None:
        flag_overdue_reviews()


def workflow_declaration(pk: int | None) -> Declaration:
    return Declaration.objects.get(pk=pk)
