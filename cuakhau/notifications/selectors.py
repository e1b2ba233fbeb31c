"""Reads of the outbox: a user's inbox and unread count."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Channel, Notification, Status


def inbox_for(user: Any) -> QuerySet[Notification]:
    """The user's delivered in-app notifications, newest first (served by notif_inbox_idx)."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, status=Status.SENT).order_by(
        "-created", "-id"
    )


def unread_count_for(user: Any) -> int:
    return inbox_for(user).filter(read_at__isnull=True).count()
