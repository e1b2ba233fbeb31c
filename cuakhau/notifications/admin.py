"""Admin of the outbox: read-only, with failures visible and one action, "retry now"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cuakhau.security.admin_scope import ReadOnlyAdmin, Scope, ScopedAdmin

from . import services
from .models import Notification, Status


# The outbox is written by notify() and the worker only; people look, and retry failures.
@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    # Their own, and those about a declaration or booking of the viewer's gates.
    admin_scope = Scope(generic=("subject_type", "subject_id"))
    list_display = ["id", "created", "event", "recipient", "channel", "status", "attempts", "short_error"]
    list_filter = ["status", "channel", "event", "language"]
    search_fields = ["recipient__username", "recipient__email", "idempotency_key", "title", "=subject_id"]
    list_select_related = ["recipient"]
    date_hierarchy = "created"
    actions = ["retry_now"]
    fields = readonly_fields = (
        "recipient",
        "channel",
        "event",
        "subject_words",
        "subject_id",
        "language",
        "title",
        "body",
        "payload",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "locked_until",
        "idempotency_key",
        "created",
        "sent_at",
        "read_at",
    )

    @admin.display(description=_("subject type"))
    def subject_words(self, obj: Notification) -> str:
        """What the notification is about, in words (declaration, booking)."""
        words = {"declaration": _("declaration"), "booking": _("booking")}
        return str(words.get(obj.subject_type, obj.subject_type or "-"))

    @admin.display(description=_("failure reason"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:120]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=_("Retry now (failed only)"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = list(queryset.filter(status=Status.FAILED).values_list("id", flat=True))
        count = services.notification_retry(ids=ids)
        self.message_user(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
