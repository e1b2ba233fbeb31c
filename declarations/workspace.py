"""What the officers' workspace shows of a declaration, in words: never raw codes.

The admin's review page, the declaration page and the printable view read a declaration
through these helpers: its channel with the rule that set it, its documents (with what the page
can preview inline), the states of every agency, and its history as sentences
("Customs — claimed by Nguyễn Văn A, 12:02").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuakhau.transitions.labels import transition_label
from cuakhau.transitions.models import TransitionLog
from cuakhau.transitions.services import history

from .models import AgencyReview, Declaration
from .rules import GREEN_RULE_LABEL, channel_reason_in_words
from .services.workflow import ONE_STEP_CLAIM_NOTE

# What happened, in the past tense, per transition (a new transition falls back to its label).
EVENT_WORDS = {
    "create": gettext_lazy("opened"),
    "submit": gettext_lazy("submitted"),
    "resubmit": gettext_lazy("resubmitted"),
    "start_review": gettext_lazy("review started"),
    "clear": gettext_lazy("cleared"),
    "reject": gettext_lazy("rejected"),
    "return_for_info": gettext_lazy("returned for information"),
    "cancel": gettext_lazy("cancelled"),
    "complete": gettext_lazy("completed: the truck crossed"),
    "expire": gettext_lazy("expired unused"),
    "claim": gettext_lazy("claimed"),
    "approve": gettext_lazy("approved"),
    "approve_by_rule": gettext_lazy("approved by rule"),
    "request_info": gettext_lazy("information requested"),
    "reopen": gettext_lazy("reopened"),
}
NOTE_WORDS = {
    ONE_STEP_CLAIM_NOTE: gettext_lazy("in one step with the decision"),
}


def person(user: Any) -> str:
    """How a colleague is named on screen: full name, else the login name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def short_time(moment: dt.datetime | None) -> str:
    """12:02 today; 29/11 12:02 (in the reader's format) on another day."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "SHORT_DATETIME_FORMAT")


def _actor_words(entry: TransitionLog) -> str:
    if entry.actor_id:
        return person(entry.actor)
    if entry.actor_label == GREEN_RULE_LABEL:
        return _("the green-channel rule")
    if entry.actor_label.startswith("device:"):
        return _("device %(name)s") % {"name": entry.actor_label.removeprefix("device:")}
    return _("the system")


@dataclass(frozen=True)
class HistoryLine:
    created: dt.datetime
    text: str
    note: str

    @property
    def when(self) -> str:
        return short_time(self.created)


def history_in_words(
    declaration: Declaration, reviews: list[AgencyReview] | None = None
) -> list[HistoryLine]:
    """The declaration's and its reviews' transition logs, oldest first, as sentences."""
    reviews = reviews if reviews is not None else list(declaration.reviews.all())
    subjects: list[tuple[Any, str]] = [(declaration, _("Declaration"))]
    subjects += [(r, str(r.get_agency_display())) for r in reviews]
    entries = []
    for obj, subject in subjects:
        entries += [(entry, subject) for entry in history(obj)]
    entries.sort(key=lambda pair: (pair[0].created, pair[0].pk))
    lines = []
    for entry, subject in entries:
        what = str(EVENT_WORDS.get(entry.transition, transition_label(entry.transition)))
        text = _("%(subject)s — %(event)s by %(who)s, %(when)s") % {
            "subject": subject,
            "event": what,
            "who": _actor_words(entry),
            "when": short_time(entry.created),
        }
        note = entry.note
        if note in NOTE_WORDS:
            note = str(NOTE_WORDS[note])
        elif note == GREEN_RULE_LABEL:
            note = ""
        lines.append(HistoryLine(created=entry.created, text=text, note=note))
    return lines


def channel_in_words(declaration: Declaration) -> str:
    """'Red — picked by the random sample (5%)'; '' before the channel is decided."""
    if not declaration.channel:
        return ""
    reason = channel_reason_in_words(declaration.channel_reason)
    label = declaration.get_channel_display()
    return f"{label} — {reason}" if reason else str(label)


@dataclass(frozen=True)
class DocumentView:
    url: str  # the download (an attachment)
    preview_url: str  # the admin's inline preview (docs/security.md)
    kind: str
    name: str
    size: int
    preview: str  # "image", "pdf" or ""


def documents_of(declaration: Declaration) -> list[DocumentView]:
    shown = []
    for doc in declaration.documents.all():
        if doc.content_type.startswith("image/"):
            preview = "image"
        elif doc.content_type == "application/pdf":
            preview = "pdf"
        else:
            preview = ""
        shown.append(
            DocumentView(
                url=reverse("declarations:document", args=[declaration.pk, doc.pk]),
                preview_url=reverse(
                    "admin:declarations_declaration_document_preview", args=[declaration.pk, doc.pk]
                ),
                kind=str(doc.get_kind_display()),
                name=doc.original_name or doc.file.name.rsplit("/", 1)[-1],
                size=doc.size,
                preview=preview,
            )
        )
    return shown


@dataclass(frozen=True)
class AgencyState:
    review: AgencyReview
    agency: str
    state: str
    officer: str
    when: str
    note: str


def agency_states(reviews: list[AgencyReview]) -> list[AgencyState]:
    """Each agency's review as one line: who holds or decided it, and when."""
    return [
        AgencyState(
            review=r,
            agency=str(r.get_agency_display()),
            state=str(r.get_state_display()),
            officer=person(r.officer) if r.officer_id else "",
            when=short_time(r.decided_at or r.claimed_at),
            note=r.note if r.note != GREEN_RULE_LABEL else "",
        )
        for r in reviews
    ]


def declaration_context(declaration: Declaration) -> dict[str, Any]:
    """Everything the declaration partial shows, read once."""
    reviews = sorted(declaration.reviews.select_related("officer"), key=lambda r: r.pk)
    return {
        "declaration": declaration,
        "channel_words": channel_in_words(declaration),
        "cargo_lines": list(declaration.cargo_lines.all()),
        "containers": list(declaration.containers.all()),
        "documents": documents_of(declaration),
        "agency_states": agency_states(reviews),
        "history": history_in_words(declaration, reviews),
    }
