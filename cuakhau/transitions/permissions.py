"""Who may fire a transition: declared on the transition, checked by the service before `fire()`.

Every `@transition` of the project names its `permission=` (a predicate `(instance, user) ->
bool`). django-fsm does not enforce it when a transition method is called: each service calls
`require_transition(obj, name, actor)` under the row lock, then fires. One style for every
state machine (declarations, reviews, fees, bookings, scenarios).

The system: `actor=None`. A beat task or sweep, call-forward, the waitlist, a receiver of another
floor's event and a kiosk device (authorised for its gate by `kiosk_authorise` before the
service runs) act as the system; the log still names them through `actor_label`. The system
passes every permission (its callers decided), and a transition only the system fires declares
`permission=by_system`, so no person passes it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from cuakhau.errors import Conflict, NotAllowed

from .labels import transition_label


def by_system(instance: Any, user: Any) -> bool:
    """Fired by the system only (state sync, rules, sweeps, other floors' events), never by a person."""
    return False


def require_transition(obj: Any, name: str, actor: Any = None) -> None:
    """409 when the state does not allow `name` now; 403 when `actor` (a person; None is the
    system) may not fire it. Callers answer 404 first for what the actor may not even see."""
    method = getattr(obj, name)
    if not can_proceed(method):
        raise Conflict(
            _("Cannot %(action)s: it is %(state)s now.")
            % {"action": transition_label(name), "state": obj.get_state_display()},
            code="illegal_transition",
        )
    if actor is not None and not has_transition_perm(method, actor):
        raise NotAllowed(_("You may not %(action)s this.") % {"action": transition_label(name)})
