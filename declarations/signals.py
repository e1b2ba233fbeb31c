"""Events of the declaration workflow that other parts react to (fees, queueing).

Sent by declarations.services inside the transaction of the change, so receivers' writes commit
or roll back with it. Receivers must not do network I/O (use notify() / on_commit for that).
"""

from django.dispatch import Signal

# kwargs: declaration, actor
declaration_submitted = Signal()
declaration_cleared = Signal()
declaration_cancelled = Signal()
declaration_closed = Signal()  # rejected, expired or completed; kwargs also: state
