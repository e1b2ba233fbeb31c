"""The values managers type into a routing rule: how each kind is read, and the check a rule's
value must pass before it is saved (`RoutingRule.clean`). `declarations.rules` reads the rows
with the same parsers.
"""

from __future__ import annotations

from .kinds import DocumentKind, RuleKind


# --- parsing the values managers type ---------------------------------------------------------
def parse_chapters(text: str) -> set[int]:
    """ "01-24,44" → {1, ..., 24, 44}. Raises ValueError on anything else."""
    chapters: set[int] = set()
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        low, sep, high = part.partition("-")
        if not low.strip().isdigit() or (sep and not high.strip().isdigit()):
            raise ValueError(f"not a chapter or a range of chapters: {part!r}")
        first, last = int(low), int(high) if high else int(low)
        if not (1 <= first <= last <= 99):
            raise ValueError(f"chapters run from 01 to 99: {part!r}")
        chapters.update(range(first, last + 1))
    return chapters


def parse_prefixes(text: str) -> list[str]:
    """ "0810, 4403" → ["0810", "4403"]: HS prefixes of 2 to 10 digits."""
    prefixes = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    for prefix in prefixes:
        if not prefix.isdigit() or not 2 <= len(prefix) <= 10:
            raise ValueError(f"an HS prefix is 2 to 10 digits: {prefix!r}")
    return prefixes


def parse_rate(text: str) -> float:
    try:
        rate = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"a rate is a number between 0 and 1: {text!r}")
    if not 0 <= rate <= 1:
        raise ValueError(f"a rate is a number between 0 and 1: {text!r}")
    return rate


def validate_rule_value(kind: str, value: str) -> None:
    """Raise ValueError with a message when `value` does not fit the rule's kind."""
    if kind == RuleKind.QUARANTINE_CHAPTERS:
        if not parse_chapters(value):
            raise ValueError("list at least one chapter, e.g. 01-24,44")
    elif kind in (RuleKind.QUARANTINE_PREFIXES, RuleKind.RED_PREFIXES, RuleKind.YELLOW_PREFIXES):
        if not parse_prefixes(value):
            raise ValueError("list at least one HS prefix, e.g. 0810,4403")
    elif kind == RuleKind.SAMPLE_RED:
        parse_rate(value)
    elif kind == RuleKind.REQUIRED_DOCUMENT and value not in DocumentKind.values:
        raise ValueError(f"one of: {', '.join(DocumentKind.values)}")
