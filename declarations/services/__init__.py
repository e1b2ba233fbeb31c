"""Every write of the declaration workflow; the only caller of the state machines' transitions.

Each service:
1. checks who acts (operator of the company, officer of the agency at the gate, or the system),
2. in one `transaction.atomic()` block locks the declaration row (`select_for_update`) so that
   concurrent decisions on one declaration run one after the other, then re-reads what it needs,
3. fires transitions through `cuakhau.transitions.services.fire` (TransitionLog row; a stale
   state becomes Conflict/409),
4. lets `sync_declaration_state` move the declaration after its reviews,
5. notifies the people concerned with `notify()` (outbox rows, sent after commit).
Any error raised leaves nothing changed.
"""

from __future__ import annotations

from .drafts import (
    declaration_copy,
    declaration_create,
    declaration_delete_draft,
    declaration_update,
    document_add,
    document_remove,
)
from .ends import declaration_close_open_ends
from .sweeps import declarations_expire_unused, reviews_flag_overdue
from .workflow import (
    declaration_cancel,
    declaration_complete,
    declaration_expire,
    declaration_resubmit,
    declaration_submit,
    review_approve,
    review_claim,
    review_decide,
    review_reject,
    review_request_info,
    reviews_bulk,
    sync_declaration_state,
)

__all__ = [
    "declaration_cancel",
    "declaration_close_open_ends",
    "declaration_copy",
    "declaration_complete",
    "declaration_create",
    "declaration_delete_draft",
    "declaration_expire",
    "declaration_resubmit",
    "declaration_submit",
    "declaration_update",
    "declarations_expire_unused",
    "document_add",
    "document_remove",
    "review_approve",
    "review_claim",
    "review_decide",
    "review_reject",
    "review_request_info",
    "reviews_bulk",
    "reviews_flag_overdue",
    "sync_declaration_state",
]
