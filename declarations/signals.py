"""Events of the declaration workflow that other parts react to (fees, queueing).

Assessing the fee is not one of them: the submit services call `declarations.fees.services.fee_assess`
themselves, so the call site shows that a submission can fail with `no_fee_schedule`.

Sent by declarations.services inside the transaction of the change, so receivers' writes commit
or roll back with it. Receivers must not do network I/O (use notify() / on_commit for that).
"""

from django.dispatch import Signal

# kwargs: declaration, actor
declaration_cleared = Signal()
# Every end: rejected, cancelled, expired, completed; kwargs also: state, reason (English words),
# departed (True when a completion comes from the departure of its booking, in this transaction).
# Sent by services.ends.declaration_close_open_ends, the one rule of what an end closes; each
# receiver closes its own part and returns what it closed as message fragments
# [{"event": "end.<what>", ...placeholders}], which the owners' one notification lists.
declaration_closed = Signal()
# Before a cleared declaration expires: a receiver returns a reason (text) when the declaration
# is still in use (its truck is in the yard), and the declaration does not expire yet.
declaration_in_use = Signal()
