"""Notification: the outbox row, written in the same transaction as the change it reports."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.IN_APP, verbose_name=_("channel")
    )
    event = models.CharField(_("event"), max_length=60)  # e.g. declaration.submitted
    subject_type = models.CharField(
        max_length=30, blank=True, verbose_name=_("subject type")
    )  # declaration | booking
    subject_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("subject id"))
    # Callers pass dates, decimals and lazy strings too; store them as text rather than fail.
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, verbose_name=_("payload"))
    language = models.CharField(max_length=10, default="vi", verbose_name=_("language"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt"))
    locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("locked until"))
    idempotency_key = models.CharField(max_length=200, unique=True, verbose_name=_("idempotency key"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_due_idx"),
            models.Index(fields=["recipient", "channel", "-created"], name="notif_inbox_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient} ({self.channel}, {self.status})"

    @property
    def read(self) -> bool:
        return self.read_at is not None
