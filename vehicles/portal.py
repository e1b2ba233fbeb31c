"""Sections of the portal's home page, contributed by the apps above this one.

The home page lives at the bottom floor (it shows the company), but declarations, bookings and
notifications sit higher and may not be imported from here. So the hook is declared low and
connected high: an app calls ``register_section`` in its ``AppConfig.ready()`` with a template
and a function that returns that template's context for the request (or ``None`` to hide it).

    from vehicles.portal import register_section
    register_section(template="declarations/portal_section.html", context=declarations_summary, order=20)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from cuakhau.accounts.roles import AGENCY_ROLE, Role, user_has_role
from cuakhau.hooks import TemplateHooks

from .selectors import company_for_user, gates_for_user

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SectionContext = Callable[[HttpRequest], "dict[str, Any] | None"]


_sections = TemplateHooks()


def register_section(*, template: str, context: SectionContext, order: int = 100) -> None:
    """Add (or replace, keyed by template) a section of the portal home page."""
    _sections.register(template=template, context=context, order=order)


def sections_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The sections to show this request, in order, each as ``{"template", "context"}``."""
    return _sections.shown(request)


@dataclass(frozen=True)
class WorkHome:
    url: str
    label: str


def work_home(user: Any) -> WorkHome:
    """Where this user's work is: the page a lost user is pointed (or sent) to.

    Officers: their work queue. Managers: the dashboard. Gate staff: the kiosk of their first
    gate. Operators and everyone else signed in: the portal. Anonymous: the login page.
    """
    if not getattr(user, "is_authenticated", False):
        return WorkHome(reverse("login"), _("Log in"))
    if company_for_user(user) is not None:
        return WorkHome(reverse("portal-home"), _("Your company's portal"))
    if any(user_has_role(user, r) for r in (Role.CUSTOMS, Role.BORDER_GUARD, Role.QUARANTINE)):
        return WorkHome(reverse("admin:declarations_agencyreview_changelist"), _("Your work queue"))
    if user_has_role(user, Role.GATE_MANAGER):
        return WorkHome(reverse("dashboard"), _("Your gates' dashboard"))
    if user_has_role(user, Role.GATE_STAFF):
        gate = gates_for_user(user).order_by("code").first()
        if gate is not None:
            return WorkHome(
                reverse("kiosk:kiosk", args=[gate.code]), _("The kiosk of %(gate)s") % {"gate": gate.name}
            )
    if user.is_staff:
        return WorkHome(reverse("admin:index"), _("The administration"))
    return WorkHome(reverse("portal-home"), _("The portal"))


def is_officer(user: Any) -> bool:
    """Customs, border guard and quarantine officers: their work is the admin's queue."""
    return any(user_has_role(user, role) for role in AGENCY_ROLE.values())


View = Callable[..., HttpResponse]


def company_required(message: StrOrPromise) -> Callable[[View], View]:
    """A portal page acting for a company: the view gets the caller's company after the request.

    Signed in but with no company: `message` is shown on the portal home, which explains.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            company = company_for_user(request.user)
            if company is None:
                messages.info(request, message)
                return redirect("portal-home")
            return view(request, company, *args, **kwargs)

        return wrapper

    return decorator
