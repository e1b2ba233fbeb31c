"""Portal inbox: the list, marking read, and the way to the channel and language settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cuakhau.redirects import safe_next

from . import selectors, services

PAGE_SIZE = 30

# Where a notification about a subject leads in the portal.
SUBJECT_URLS = {
    "declaration": "/portal/declarations/{id}/",
    "booking": "/portal/bookings/{id}/",
    "trip": "/portal/driving/{id}/",
}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    # Officers work in the admin, where these portal pages are not theirs: no links for them.
    links = {} if request.user.is_staff else SUBJECT_URLS
    items = [
        {
            "n": n,
            "url": links[n.subject_type].format(id=n.subject_id)
            if n.subject_type in links and n.subject_id
            else "",
        }
        for n in page
    ]
    return render(request, "notifications/inbox.html", {"page": page, "items": items})


@login_required
@require_GET
@never_cache
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The navigation's inbox link alone (the live part every page includes), for htmx."""
    return render(request, "notifications/_inbox_link.html")


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's or an unknown notification: NotFound, the 404 page (DomainErrorMiddleware).
    services.notification_mark_read(user=request.user, notification_id=pk)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return _back(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Channels, phone and language live on the user's settings page (one form, one service)."""
    return redirect("/portal/profile/")


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(safe_next(request, reverse("notifications-inbox")))
