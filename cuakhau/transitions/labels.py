"""The words for every transition, as people read them in messages ("Cannot approve: …").

Transition methods are named in English code; these labels are what a message shows, translated.
A transition missing here falls back to its name with spaces.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TRANSITION_LABELS = {
    "submit": _("submit"),
    "resubmit": _("resubmit"),
    "start_review": _("start the review"),
    "clear": _("clear"),
    "reject": _("reject"),
    "return_for_info": _("return for information"),
    "cancel": _("cancel"),
    "complete": _("complete"),
    "expire": _("expire"),
    "claim": _("claim"),
    "approve": _("approve"),
    "approve_by_rule": _("approve by rule"),
    "request_info": _("request information"),
    "reopen": _("reopen"),
    "close": _("close"),
    "mark_not_due": _("mark as not due"),
    "withdraw": _("withdraw from the yard"),
    "check_in": _("admit to the yard"),
    "send_to_inspection": _("send to inspection"),
    "pass_inspection": _("record the inspection result"),
    "call": _("call to the lane"),
    "depart": _("record the exit"),
    "mark_no_show": _("mark as no-show"),
    "mark_paid": _("mark as paid"),
    "refund": _("refund"),
    "move": _("move"),
}


def transition_label(name: str) -> str:
    return str(TRANSITION_LABELS.get(name, name.replace("_", " ")))
