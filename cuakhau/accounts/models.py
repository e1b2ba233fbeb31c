"""Per-user preferences: language and notification channels."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="vi")
    phone = models.CharField(_("phone for SMS"), max_length=20, blank=True)
    notify_email = models.BooleanField(_("notify by e-mail"), default=True)
    notify_sms = models.BooleanField(_("notify by SMS"), default=False)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"


def profile_for(user: Any) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile
