"""The work queue's figures on the admin home page."""

from __future__ import annotations

from typing import Any

from django import template

from declarations.selectors import work_queue_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def work_queue_summary(context: dict[str, Any]) -> dict[str, int] | None:
    """Open, overdue and own reviews of the signed-in user; None for who has no queue."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("declarations.view_agencyreview"):
        return None
    return work_queue_counts(user)
