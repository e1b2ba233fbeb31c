"""Delivery channels behind one small interface: `send(notification) -> None`.

A channel raises `TransientError` for a failure that may pass (network, 5xx, timeout): the send
is retried with backoff. `PermanentError` (bad address, 4xx) marks the notification failed.
"""

from __future__ import annotations

import smtplib
from typing import Protocol

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .models import Channel, Notification


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


class Sender(Protocol):
    def send(self, notification: Notification) -> None: ...


class InAppSender:
    """The row is the message: delivery makes it visible in the inbox."""

    def send(self, notification: Notification) -> None:
        return None


class EmailSender:
    """Sends through Django's configured e-mail backend (SMTP in production)."""

    timeout = 10

    def send(self, notification: Notification) -> None:
        address = notification.recipient.email
        if not address:
            raise PermanentError("recipient has no e-mail address")
        try:
            connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or self.timeout)
            EmailMessage(
                notification.title,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [address],
                connection=connection,
                headers={"X-Idempotency-Key": notification.idempotency_key},
            ).send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"address refused: {exc}") from exc
        except OSError as exc:  # SMTP and socket errors (SMTPException is an OSError)
            raise TransientError(str(exc) or type(exc).__name__) from exc


class SmsSender:
    """POSTs to an HTTP SMS gateway; the idempotency key lets the gateway drop repeats."""

    timeout = 5

    def send(self, notification: Notification) -> None:
        url = settings.SMS_GATEWAY_URL
        if not url:
            raise PermanentError("SMS_GATEWAY_URL is not configured")
        phone = notification.payload.get("_phone") or _profile_phone(notification)
        if not phone:
            raise PermanentError("recipient has no phone number")
        try:
            response = requests.post(
                url,
                json={"to": phone, "text": f"{notification.title}. {notification.body}"[:480]},
                headers={
                    "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                    # The gateway drops a repeat (a send whose success we could not record).
                    "Idempotency-Key": notification.idempotency_key,
                },
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise TransientError(f"gateway unreachable: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransientError(f"gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"gateway refused: {response.status_code} {response.text[:200]}")


def _profile_phone(notification: Notification) -> str:
    profile = getattr(notification.recipient, "profile", None)
    return getattr(profile, "phone", "") if profile else ""


SENDERS: dict[str, Sender] = {
    Channel.IN_APP: InAppSender(),
    Channel.EMAIL: EmailSender(),
    Channel.SMS: SmsSender(),
}
