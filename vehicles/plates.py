"""Licence plates: the one place that parses, normalises and fuzzily matches them.

Every caller (vehicle forms, the API, the kiosk, ANPR cameras, seed data) goes through this
module so that a plate typed at the portal and the same plate read by a camera end up as the
same canonical string, which is what the database indexes and what the kiosk looks up.

Two forms of a plate are kept:

* ``canonical``: upper case, no spaces, dots, dashes or middle dots (``12C12345``,
  ``桂A12345``). It is what we store in ``plate_canonical`` and compare on.
* ``display``: the way the plate is printed (``12C-123.45``, ``桂A·12345``), for screens.

Pure Python on purpose (no ORM): the rules are tested without a database and imported by the
lowest app, ``vehicles``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CN_PROVINCES",
    "OCR_CONFUSIONS",
    "Plate",
    "PlateError",
    "canonical_plate",
    "is_plate_shape",
    "parse_plate",
    "plate_variants",
    "rank_candidates",
]


class PlateError(ValidationError):
    """A plate that cannot be parsed; a ``ValidationError`` so forms and DRF show it as is."""


@dataclass(frozen=True)
class Plate:
    """A validated plate: how it is printed, how it is stored and matched, and its country."""

    display: str
    canonical: str
    country: str  # "VN" or "CN"


# --- Normalisation -------------------------------------------------------------------------

# Separators people and cameras put inside plates. NFKC already turns full-width forms
# (`－`, `．`, `＿`, `･`) into their ASCII/standard equivalents, so only the standard code points
# need listing here; every Unicode dash (category Pd) and all whitespace are dropped as well.
_SEPARATORS = frozenset(
    "."  # 123.45
    "_"
    "\u00b7"  # · middle dot, the usual separator on Chinese plates
    "\u0387"  # · Greek ano teleia (looks identical; some fonts and OCR engines emit it)
    "\u2022"  # • bullet
    "\u2027"  # ‧ hyphenation point
    "\u2219"  # ∙ bullet operator
    "\u22c5"  # ⋅ dot operator
    "\u30fb"  # ・ katakana middle dot (NFKC target of half-width ･)
    "\u3002"  # 。 ideographic full stop, what a Chinese IME types for "."
    "\u2212"  # − minus sign (category Sm, not Pd)
    "\u30fc"  # ー katakana prolonged sound mark, typed for "-" with CJK IMEs
)

_ASCII_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _is_separator(ch: str) -> bool:
    # Control and format characters (NUL, zero-width space, direction marks) come with pasted or
    # scanned text and are never part of a plate; kept, a NUL even breaks PostgreSQL lookups.
    return ch.isspace() or ch in _SEPARATORS or unicodedata.category(ch) in {"Pd", "Cc", "Cf"}


def _canonical_with_breaks(raw: str) -> tuple[str, frozenset[int]]:
    """Canonicalise and remember where the writer put separators.

    The canonical form of ``51D1-2345`` and ``51D-123.45`` is the same ``51D12345``; only the
    dash tells which one was meant. Each break is the index in the canonical string of the
    character that followed a separator.
    """
    text = unicodedata.normalize("NFKC", raw).upper()
    out: list[str] = []
    breaks: set[int] = set()
    for ch in text:
        if _is_separator(ch):
            breaks.add(len(out))
        else:
            out.append(ch)
    return "".join(out), frozenset(breaks)


def canonical_plate(raw: str) -> str:
    """Return the stored/matched form of a plate: NFKC, upper case, no separators.

    It does not validate: a camera read that is not a plate still needs a canonical form to
    look candidates up with. CJK province characters are kept as they are.
    """
    return _canonical_with_breaks(raw)[0]


# --- Vietnam -------------------------------------------------------------------------------

# Province codes 11–99 of the civilian registration (Circular 24/2023/TT-BCA, appendix 2).
# These were never assigned to a province (13 belonged to the former Hà Bắc, split in 1997),
# so a plate starting with them is a typo or a misread, not a real vehicle.
_VN_UNASSIGNED_PROVINCES = frozenset({13, 42, 44, 45, 46, 87, 91, 96})

# Series letters: Vietnamese plates avoid I, J, O, Q and W (confusable with 1 and 0, or not in
# the Vietnamese alphabet). R is the trailer series (rơ moóc).
_VN_SERIES_LETTERS = "ABCDEFGHKLMNPRSTUVXYZ"

# Shape first (province, 1–2 letters, 4–6 digits), letters and province checked after, so that
# the error message can say what exactly is wrong.
_VN_SHAPE = re.compile(r"(?P<province>[0-9]{2})(?P<letters>[A-Z]{1,2})(?P<digits>[0-9]{4,6})")
# The whole rule at once, for plate_variants' hot loop (tests keep it equal to is_plate_shape).
_VN_PLATE = re.compile(rf"[0-9]{{2}}[{_VN_SERIES_LETTERS}]{{1,2}}[0-9]{{4,6}}")
_VN_PROVINCE_CODES = frozenset(
    f"{code:02d}" for code in range(11, 100) if code not in _VN_UNASSIGNED_PROVINCES
)


@dataclass(frozen=True)
class _VnParts:
    province: str
    series: str  # letters, plus the optional series digit (D1, LD, R)
    number: str  # 4 or 5 digits


def _vn_split(canonical: str, breaks: frozenset[int]) -> _VnParts | None:
    """Split a canonical VN plate into province, series and number, or None if it is not one.

    The digits after the letters are ambiguous when there are five of them: ``12C12345`` is
    ``12C-123.45`` (a 5-digit number) or, on older motorbikes, ``12C1-2345`` (series C1 and a
    4-digit number). The modern reading wins unless the writer put a separator after the series
    digit. Six digits always mean a series digit and a 5-digit number — unless the writer
    separated the letters from the digits (``12C-123.456``), which is a typo, not a plate.
    """
    match = _VN_SHAPE.fullmatch(canonical)
    if match is None:
        return None
    province, letters, digits = match["province"], match["letters"], match["digits"]
    after_letters = match.end("letters")
    if len(digits) == 6:
        if after_letters in breaks:
            return None
        return _VnParts(province, letters + digits[0], digits[1:])
    if len(digits) == 5 and (after_letters + 1) in breaks and after_letters not in breaks:
        return _VnParts(province, letters + digits[0], digits[1:])
    return _VnParts(province, letters, digits)


def _vn_problem(canonical: str, breaks: frozenset[int]) -> tuple[str, dict[str, str]] | None:
    """Return the error code and its parameters, or None when ``canonical`` is a VN plate.

    Cheap on purpose (no exception objects): ``plate_variants`` runs it on hundreds of strings.
    """
    parts = _vn_split(canonical, breaks)
    if parts is None:
        return "invalid_vn", {}
    code = int(parts.province)
    if code < 11 or code in _VN_UNASSIGNED_PROVINCES:
        return "unknown_province", {"province": parts.province}
    for letter in parts.series:
        if letter.isalpha() and letter not in _VN_SERIES_LETTERS:
            return "invalid_series", {"letter": letter}
    return None


def _vn_display(parts: _VnParts) -> str:
    number = parts.number
    if len(number) == 5:
        number = f"{number[:3]}.{number[3:]}"
    return f"{parts.province}{parts.series}-{number}"


# --- China ---------------------------------------------------------------------------------

# The 31 province-level abbreviations used on mainland plates (GA 36-2018).
CN_PROVINCES = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")

# The serial never uses I or O (confusable with 1 and 0); the issuing-office letter is A–Z.
_CN_SERIAL = "[A-HJ-NP-Z0-9]"
_CN_PATTERNS = (
    re.compile(rf"(?P<province>.)(?P<office>[A-Z])(?P<serial>{_CN_SERIAL}{{5}})"),
    # New energy, small vehicles: energy letter first (D, A–C, E pure electric; F–H, J, K other).
    re.compile(rf"(?P<province>.)(?P<office>[A-Z])(?P<serial>[A-HJK]{_CN_SERIAL}[0-9]{{4}})"),
    # New energy, large vehicles: five digits then D or F.
    re.compile(r"(?P<province>.)(?P<office>[A-Z])(?P<serial>[0-9]{5}[DF])"),
    # Trailers: four characters and 挂 ("trailer"), common on Chinese semi-trailers.
    re.compile(rf"(?P<province>.)(?P<office>[A-Z])(?P<serial>{_CN_SERIAL}{{4}}挂)"),
)


def _cn_match(canonical: str) -> re.Match[str] | None:
    for pattern in _CN_PATTERNS:
        match = pattern.fullmatch(canonical)
        if match is not None:
            return match
    return None


def _cn_problem(canonical: str) -> tuple[str, dict[str, str]] | None:
    """Return the error code and its parameters, or None when ``canonical`` is a CN plate."""
    if canonical and _is_cjk(canonical[0]) and canonical[0] not in CN_PROVINCES:
        return "unknown_province", {"char": canonical[0]}
    match = _cn_match(canonical)
    if match is None or match["province"] not in CN_PROVINCES:
        return "invalid_cn", {}
    return None


def _is_cjk(ch: str) -> bool:
    """Whether ``ch`` is a CJK ideograph (the unified block and its extensions)."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


# --- Parsing -------------------------------------------------------------------------------

_COUNTRIES = ("VN", "CN")

# Messages per error code, in one place so the cheap checks above stay free of exceptions.
_MESSAGES = {
    ("VN", "invalid_vn"): _("Not a Vietnamese plate: expected e.g. 12C-123.45."),
    ("VN", "unknown_province"): _("%(province)s is not a Vietnamese province code."),
    ("VN", "invalid_series"): _("Vietnamese plates do not use the letter %(letter)s in the series."),
    ("CN", "invalid_cn"): _("Not a Chinese plate: expected e.g. 桂A·12345."),
    ("CN", "unknown_province"): _("“%(char)s” is not a Chinese province abbreviation."),
}


def parse_plate(raw: str, country: str | None = None) -> Plate:
    """Validate a plate for its country and return its display and canonical forms.

    1. Canonicalise (full-width to ASCII, upper case, separators dropped).
    2. Pick the country: the one given, else CN when the plate starts with a CJK character
       (a province abbreviation), else VN — the only two countries these gates see.
    3. Check the country's format and raise ``PlateError`` saying what is wrong.
    4. Rebuild the display form from the parts, so ``12c 12345`` is shown as ``12C-123.45``.
    """
    canonical, breaks = _canonical_with_breaks(raw or "")
    if not canonical:
        raise PlateError(_("Enter a plate number."), code="required")

    if country is None:
        country = "CN" if _is_cjk(canonical[0]) else "VN"
    country = country.strip().upper()
    if country not in _COUNTRIES:
        raise PlateError(
            _("Plates of country %(country)s are not supported: use VN or CN."),
            code="unsupported_country",
            params={"country": country},
        )

    problem = _vn_problem(canonical, breaks) if country == "VN" else _cn_problem(canonical)
    if problem is not None:
        code, params = problem
        raise PlateError(_MESSAGES[country, code], code=code, params=params or None)

    if country == "VN":
        parts = _vn_split(canonical, breaks)
        assert parts is not None  # no problem was found, so the split succeeded
        return Plate(display=_vn_display(parts), canonical=canonical, country="VN")
    return Plate(display=f"{canonical[:2]}·{canonical[2:]}", canonical=canonical, country="CN")


def is_plate_shape(canonical: str) -> bool:
    """Whether a canonical string could be a stored plate of either country.

    Stored plates all went through ``parse_plate``, so a string that fails here can never
    match one; ``plate_variants`` uses this to keep its lookup list short.
    """
    if not canonical:
        return False
    if _is_cjk(canonical[0]):
        return _cn_problem(canonical) is None
    return _vn_problem(canonical, frozenset()) is None


# --- Fuzzy matching of noisy reads ---------------------------------------------------------

# Characters cameras and hurried typists swap for each other. A substitution inside a group is
# far likelier than any other, so its candidates rank first.
OCR_CONFUSIONS: tuple[frozenset[str], ...] = (
    frozenset("0ODQ"),
    frozenset("1IL"),
    frozenset("8B"),
    frozenset("5S"),
    frozenset("2Z"),
    frozenset("6G"),
)
_CONFUSABLE = {ch: group - {ch} for group in OCR_CONFUSIONS for ch in group}

_WEIGHT_CONFUSION = 0.9
_WEIGHT_SUBSTITUTION = 0.3
_WEIGHT_INDEL = 0.2
_WEIGHT_EXACT = 1.0


def plate_variants(read: str) -> dict[str, float]:
    """Map every plausible plate one edit away from a noisy read to how likely it is meant.

    The kiosk first looks the read up exactly; when that fails it asks the database once with
    ``plate_canonical__in=list(variants)`` and offers the matches, best first, for staff to
    confirm (never an automatic admit). Edits considered on the canonical read:

    1. substitution by any A–Z/0–9 character: 0.9 inside an OCR confusion group (0/O/D/Q,
       1/I/L, 8/B, 5/S, 2/Z, 6/G), 0.3 otherwise; a leading province character may be replaced
       by another province (0.3) since OCR garbles CJK glyphs too;
    2. deletion of one character (0.2);
    3. insertion of one A–Z/0–9 character, or of a province in front of a read whose CJK
       character was missed (0.2).

    Only strings that ``parse_plate`` would accept are kept (no stored plate can be anything
    else), which keeps the list to a few hundred strings at most. The read itself is excluded.
    When one string is reachable by several edits it keeps the highest weight.
    """
    canonical = canonical_plate(read or "")
    if not canonical:
        return {}

    # Built weakest edit first, each kind of edit overwriting the one before, so every string
    # keeps its highest weight (indel 0.2 < substitution 0.3 < confusion 0.9) without comparing.
    n = len(canonical)
    cjk_first = _is_cjk(canonical[0])
    weights = dict.fromkeys(
        (canonical[:i] + canonical[i + 1 :] for i in range(n)), _WEIGHT_INDEL
    )  # deletions
    weights.update(
        dict.fromkeys(
            (canonical[:i] + other + canonical[i:] for i in range(n + 1) for other in _ASCII_ALNUM),
            _WEIGHT_INDEL,
        )
    )  # insertions
    if not cjk_first:
        weights.update(dict.fromkeys((province + canonical for province in CN_PROVINCES), _WEIGHT_INDEL))
    substitutions = (
        canonical[:i] + other + canonical[i + 1 :]
        for i in range(1 if cjk_first else 0, n)
        for other in _ASCII_ALNUM
    )
    weights.update(dict.fromkeys(substitutions, _WEIGHT_SUBSTITUTION))
    if cjk_first:
        weights.update(
            dict.fromkeys((province + canonical[1:] for province in CN_PROVINCES), _WEIGHT_SUBSTITUTION)
        )
    confusions = (
        canonical[:i] + other + canonical[i + 1 :]
        for i, ch in enumerate(canonical)
        if not (i == 0 and cjk_first)
        for other in _CONFUSABLE.get(ch, ())
    )
    weights.update(dict.fromkeys(confusions, _WEIGHT_CONFUSION))

    weights.pop(canonical, None)
    # is_plate_shape on every string, but a VN string is judged by one regular expression and a
    # set lookup (the same rule: shape, series letters, province), hundreds of times per read.
    vn_plate = _VN_PLATE.fullmatch
    return {
        plate: w
        for plate, w in weights.items()
        if plate
        and (
            is_plate_shape(plate)
            if _is_cjk(plate[0])
            else vn_plate(plate) is not None and plate[:2] in _VN_PROVINCE_CODES
        )
    }


def rank_candidates(read: str, found: Iterable[str], variants: dict[str, float] | None = None) -> list[str]:
    """Order the plates the database returned for a read: likeliest first, then A–Z.

    ``found`` holds the plates the ``plate_canonical__in`` query returned (display forms are
    canonicalised before scoring and returned as given). A plate equal to the read ranks above
    everything; plates more than one edit away are dropped, so a caller may pass a broader
    result without showing staff unrelated trucks. Duplicates are returned once. ``variants``:
    ``plate_variants(read)`` when the caller has it already.
    """
    canonical = canonical_plate(read or "")
    if variants is None:
        variants = plate_variants(canonical)
    scored: dict[str, float] = {}
    for plate in found:
        key = canonical_plate(plate)
        weight = _WEIGHT_EXACT if key == canonical else variants.get(key, 0.0)
        if weight > 0.0:
            scored[plate] = weight
    return sorted(scored, key=lambda plate: (-scored[plate], plate))
