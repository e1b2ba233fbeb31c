"""Routing and risk: which agencies review a declaration, its customs channel, review order.

Every rule here is one function every caller uses (services, admin, tests). The inputs are the
declaration, its cargo lines and the `RoutingRule` / `ReviewTarget` rows a manager edits; the
answers are deterministic: the random sample draws from a generator seeded with the rule's seed,
the declaration's id and its submission round, so the same declaration always gets the same
answer and a test can predict it.

Precedence of rule rows: a rule of the declaration's gate replaces a rule of every gate of the
same kind (quarantine chapters); for the channel every matching rule counts and the strictest
channel wins (red > yellow > green), the first reason of that channel is kept.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.roles import Agency

from .models import Channel, ReviewTarget, RoutingRule, RuleKind
from .rule_values import parse_chapters, parse_prefixes, parse_rate

if TYPE_CHECKING:
    from vehicles.models import Gate

    from .models import Declaration

# The order agencies are listed in everywhere (API, pages) when the gate imposes none.
AGENCY_ORDER = [Agency.CUSTOMS, Agency.BORDER_GUARD, Agency.QUARANTINE]
ALWAYS_REQUIRED = [Agency.CUSTOMS, Agency.BORDER_GUARD]
# A gate without a ReviewTarget row for an agency gets this decision-time target.
DEFAULT_TARGET_HOURS = Decimal("2")
GREEN_RULE_LABEL = "rule:green-channel"


# --- reading the rule rows ------------------------------------------------------------------
def _rules(gate: Gate, direction: str, kinds: Iterable[str]) -> list[RoutingRule]:
    rows = RoutingRule.objects.filter(
        Q(gate=gate) | Q(gate__isnull=True),
        Q(direction=direction) | Q(direction=""),
        kind__in=list(kinds),
        is_active=True,
    ).order_by("id")
    return list(rows)


@contextmanager
def rules_read_once(declaration: Declaration) -> Iterator[None]:
    """Within the block, the rules functions read the declaration's routing rules from ONE query
    (every kind, its gate and direction) instead of one query per kind: a submission asks for the
    quarantine, risk and document rules in turn. Outside it, each call reads the rules as they are."""
    rows = _rules(declaration.gate, declaration.direction, RuleKind.values)
    declaration.__dict__["_routing_rules"] = ((declaration.gate_id, declaration.direction), rows)
    try:
        yield
    finally:
        declaration.__dict__.pop("_routing_rules", None)


def _declaration_rules(declaration: Declaration, kinds: Iterable[str]) -> list[RoutingRule]:
    """The active rules of these kinds for the declaration's gate and direction."""
    kept = declaration.__dict__.get("_routing_rules")
    if kept is None or kept[0] != (declaration.gate_id, declaration.direction):
        return _rules(declaration.gate, declaration.direction, kinds)
    wanted = set(kinds)
    return [r for r in kept[1] if r.kind in wanted]


def quarantine_chapters(gate: Gate, direction: str, *, rows: list[RoutingRule] | None = None) -> set[int]:
    """The gate's quarantine chapters: its own rule, else a rule of every gate, else settings.
    `rows`: the QUARANTINE_CHAPTERS rules of that gate and direction, when already read."""
    if rows is None:
        rows = _rules(gate, direction, [RuleKind.QUARANTINE_CHAPTERS])
    specific = [r for r in rows if r.gate_id] or rows
    if specific:
        return set().union(*(parse_chapters(r.value) for r in specific))
    return parse_chapters(settings.QUARANTINE_HS_CHAPTERS)


def _lines(declaration: Declaration) -> list:
    return list(declaration.cargo_lines.all())


def needs_quarantine(declaration: Declaration) -> tuple[bool, str]:
    """Quarantine reviews live plants, animals, food and wood, and anything perishable."""
    lines = _lines(declaration)
    chapters = quarantine_chapters(
        declaration.gate,
        declaration.direction,
        rows=_declaration_rules(declaration, [RuleKind.QUARANTINE_CHAPTERS]),
    )
    prefixes = [
        p
        for r in _declaration_rules(declaration, [RuleKind.QUARANTINE_PREFIXES])
        for p in parse_prefixes(r.value)
    ]
    for line in lines:
        if line.perishable:
            return True, f"perishable cargo: {line.hs_code}"
        if line.hs_code[:2].isdigit() and int(line.hs_code[:2]) in chapters:
            return True, f"HS chapter {line.hs_code[:2]}"
        for prefix in prefixes:
            if line.hs_code.startswith(prefix):
                return True, f"HS prefix {prefix}"
    return False, ""


def required_agencies(declaration: Declaration) -> list[str]:
    """Customs and border guard always; quarantine for its chapters or perishable cargo."""
    agencies = [str(a) for a in ALWAYS_REQUIRED]
    if needs_quarantine(declaration)[0]:
        agencies.append(str(Agency.QUARANTINE))
    return agencies


def sample_draw(seed: str, declaration_id: int, round_: int) -> float:
    """A number in [0, 1) that depends only on the seed, the declaration and the round."""
    return random.Random(f"{seed}:{declaration_id}:{round_}").random()


def first_declaration_of_company(declaration: Declaration) -> bool:
    """True when the company never submitted another declaration before this one."""
    others = type(declaration).objects.filter(company_id=declaration.company_id, round__gt=0)
    if declaration.pk:
        others = others.exclude(pk=declaration.pk).filter(pk__lt=declaration.pk)
    return not others.exists()


def customs_channel(declaration: Declaration) -> tuple[str, str]:
    """(channel, reason): red beats yellow beats green; no rule matching means green."""
    lines = _lines(declaration)
    codes = [line.hs_code for line in lines]
    red: list[str] = []
    yellow: list[str] = []
    for rule in _declaration_rules(
        declaration,
        [
            RuleKind.RED_PREFIXES,
            RuleKind.YELLOW_PREFIXES,
            RuleKind.SAMPLE_RED,
            RuleKind.FIRST_DECLARATION_YELLOW,
        ],
    ):
        if rule.kind in (RuleKind.RED_PREFIXES, RuleKind.YELLOW_PREFIXES):
            hit = next((p for p in parse_prefixes(rule.value) for c in codes if c.startswith(p)), None)
            if hit:
                (red if rule.kind == RuleKind.RED_PREFIXES else yellow).append(f"HS prefix {hit} listed")
        elif rule.kind == RuleKind.SAMPLE_RED:
            rate = parse_rate(rule.value)
            if declaration.pk and sample_draw(rule.seed, declaration.pk, declaration.round) < rate:
                red.append(f"random sample ({rate:.0%})")
        elif rule.kind == RuleKind.FIRST_DECLARATION_YELLOW and first_declaration_of_company(declaration):
            yellow.append("first declaration of the company")
    if red:
        return str(Channel.RED), red[0]
    if yellow:
        return str(Channel.YELLOW), yellow[0]
    return str(Channel.GREEN), "no risk rule matched"


_REASON_WORDS = (
    (re.compile(r"HS prefix (?P<prefix>\d+) listed"), _("HS code %(prefix)s… is on the rule's list")),
    (re.compile(r"random sample \((?P<rate>[\d.]+%)\)"), _("picked by the random sample (%(rate)s)")),
    (re.compile(r"first declaration of the company"), _("the company's first declaration")),
    (re.compile(r"no risk rule matched"), _("no risk rule matched")),
)


def channel_reason_in_words(reason: str) -> str:
    """The reason `customs_channel` stored, in the reader's language ('' stays '')."""
    for pattern, words in _REASON_WORDS:
        match = pattern.fullmatch(reason or "")
        if match:
            return str(words) % match.groupdict()
    return reason or ""


def required_documents(declaration: Declaration) -> list[str]:
    """Document kinds the gate's rules require before submit (none by default)."""
    kinds: list[str] = []
    for rule in _declaration_rules(declaration, [RuleKind.REQUIRED_DOCUMENT]):
        if rule.value not in kinds:
            kinds.append(rule.value)
    return kinds


# --- review order and targets ----------------------------------------------------------------
def review_predecessors(gate: Gate, agencies: Iterable[str]) -> dict[str, list[str]]:
    """Each required agency → the required agencies it must wait for.

    `Gate.review_order` lists agencies in the order they must approve; agencies it does not
    list review in parallel with everyone. An empty list means all in parallel.
    """
    agencies = list(agencies)
    order = [a for a in (gate.review_order or []) if a in agencies]
    result: dict[str, list[str]] = {}
    for agency in agencies:
        result[agency] = order[: order.index(agency)] if agency in order else []
    return result


def target_hours(gate: Gate, agency: str) -> Decimal:
    return targets_hours(gate, [agency])[agency]


def targets_hours(gate: Gate, agencies: Iterable[str]) -> dict[str, Decimal]:
    """The decision-time target of each agency at the gate (one query for them all)."""
    wanted = list(agencies)
    rows = dict(ReviewTarget.objects.filter(gate=gate, agency__in=wanted).values_list("agency", "hours"))
    return {agency: rows.get(agency, DEFAULT_TARGET_HOURS) for agency in wanted}


def sorted_agencies(agencies: Iterable[str]) -> list[str]:
    rank = {str(a): i for i, a in enumerate(AGENCY_ORDER)}
    return sorted(set(agencies), key=lambda a: rank.get(a, 99))
