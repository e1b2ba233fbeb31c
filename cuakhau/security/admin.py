"""Admins of the libraries (roles, API tokens, lockouts, second-factor devices, the change log)
re-registered on ScopedAdmin, so every page of the admin goes through the one scope rule.

The change log (django-auditlog) is readable by managers for the objects of their gates, and
by superusers; nobody edits it. The rest is for superusers only.

The libraries ship no Vietnamese or Chinese: their translatable strings are in our catalogue
(`cuakhau/admin_strings.py`), and the few they write in English only (the change log's summary
and values, django-otp's field names, help texts and sections) are said again here.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.render import get_field_verbose_name, render_logentry_changes_html
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .admin_scope import SUPERUSER_ONLY, Scope, ScopedAdmin

# app_label.model → its scope; everything of these apps that is registered is re-registered.
_LIBRARY_SCOPES: dict[str, Scope] = {
    "auditlog.logentry": Scope(generic=("content_type", "object_id")),
}
_LIBRARY_APPS = {"auth", "authtoken", "axes", "otp_totp", "auditlog"}


_SHOWN_VALUES = {"None": "—", "True": _("Yes"), "False": _("No")}  # auditlog stores str(value)


class _ResourceTypeFilter(ResourceTypeFilter):
    """The kinds of object by their names, not by auditlog's model codes ("device", "user")."""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        names = [
            (pk, capfirst(ContentType.objects.get_for_id(pk).name))
            for pk, _code in super().lookups(request, model_admin)
        ]
        return sorted(names, key=lambda item: item[1])


# The mixins below are put in front of a library's admin class at run time (`_IN_LANGUAGE`); to
# the type checker they derive from that class, untyped, so `super()` and its methods are Any.
_LibraryAdmin: Any = object


class _LogEntryInLanguage(_LibraryAdmin):
    """The change log's columns without auditlog's English ("system", "2 changes: …", "None")."""

    list_filter = ["action", _ResourceTypeFilter, CIDFilter]

    @admin.display(description=_("User"))
    def user_url(self, obj: Any) -> Any:
        return super().user_url(obj) if obj.actor_id else gettext("system")

    @admin.display(description=_("Changes"))
    def msg_short(self, obj: Any) -> str:
        if obj.action in (obj.Action.DELETE, obj.Action.ACCESS):
            return ""
        changes = obj.changes_dict
        fields = ", ".join(str(get_field_verbose_name(obj, name)) for name in changes)
        return ngettext("%(count)d change: %(fields)s", "%(count)d changes: %(fields)s", len(changes)) % {
            "count": len(changes),
            "fields": Truncator(fields).chars(140),
        }

    @admin.display(description=_("Changes"))
    def msg(self, obj: Any) -> str:
        shown = {
            name: [_SHOWN_VALUES.get(v, v) for v in change] if isinstance(change, list) else change
            for name, change in obj.changes_dict.items()
        }
        return render_logentry_changes_html(
            SimpleNamespace(changes_dict=shown, content_type=obj.content_type)
        )

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj: Any) -> Any:
        return super().cid_url(obj)


# django-otp's TOTP device: field names and help texts in English only.
_TOTP_FIELDS = {
    "user": (_("user"), _("The user that this device belongs to.")),
    "name": (_("name"), _("The human-readable name of this device.")),
    "confirmed": (_("confirmed"), _("Is this device ready for use?")),
    "created_at": (_("created at"), ""),
    "last_used_at": (_("last used at"), ""),
    "key": (_("key"), _("A hex-encoded secret key of up to 40 bytes.")),
    "step": (_("step"), _("The time step in seconds.")),
    "t0": (_("start time (t0)"), _("The Unix time at which to begin counting steps.")),
    "digits": (_("digits"), _("The number of digits to expect in a token.")),
    "tolerance": (_("tolerance"), _("The number of time steps in the past or future to allow.")),
    "drift": (_("drift"), _("The number of time steps the prover is known to deviate from our clock.")),
    "throttling_failure_timestamp": (_("last failed attempt"), ""),
    "throttling_failure_count": (_("failed attempts"), _("Number of successive failed attempts.")),
}
_TOTP_SECTIONS = {
    "Identity": _("Identity"),
    "Timestamps": _("Times"),
    "Configuration": _("Configuration"),
    "State": _("State"),
    "Throttling": _("Throttling"),
}
_TOTP_SHOWN = {"created_at": "created_column", "last_used_at": "last_used_column"}


class _TitledFilter:
    """Put before a FieldListFilter class: `super()` is that class (to mypy, `object`)."""

    def __init__(self, field: Any, request: Any, params: Any, model: Any, model_admin: Any, field_path: str):
        super().__init__(field, request, params, model, model_admin, field_path)  # type: ignore[call-arg]
        self.title = _TOTP_FIELDS[field_path][0]


# The stubs type `title` as optional on ListFilter and required on FieldListFilter: a class
# deriving from both (as every field filter does) cannot satisfy the two.
class _DateFilter(_TitledFilter, admin.DateFieldListFilter):  # type: ignore[misc]
    pass


class _BooleanFilter(_TitledFilter, admin.BooleanFieldListFilter):  # type: ignore[misc]
    pass


class _TOTPDeviceInLanguage(_LibraryAdmin):
    list_display = ["user_column", "name_column", "created_column", "last_used_column", "confirmed_column"]
    list_filter = [("created_at", _DateFilter), ("last_used_at", _DateFilter), ("confirmed", _BooleanFilter)]
    readonly_fields = ["created_column", "last_used_column", "qrcode_link"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("labels", {name: label for name, (label, _help) in _TOTP_FIELDS.items()})
        kwargs.setdefault("help_texts", {name: help for name, (_label, help) in _TOTP_FIELDS.items() if help})
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [
            (
                _TOTP_SECTIONS.get(title, title),
                {**options, "fields": [_TOTP_SHOWN.get(f, f) for f in options["fields"]]},
            )
            for title, options in super().get_fieldsets(request, obj)
        ]

    @admin.display(description=_TOTP_FIELDS["user"][0], ordering="user")
    def user_column(self, device: Any) -> Any:
        return device.user

    @admin.display(description=_TOTP_FIELDS["name"][0], ordering="name")
    def name_column(self, device: Any) -> str:
        return device.name

    @admin.display(description=_TOTP_FIELDS["created_at"][0], ordering="created_at")
    def created_column(self, device: Any) -> Any:
        return device.created_at or self.get_empty_value_display()

    @admin.display(description=_TOTP_FIELDS["last_used_at"][0], ordering="last_used_at")
    def last_used_column(self, device: Any) -> Any:
        return device.last_used_at or self.get_empty_value_display()

    @admin.display(description=_TOTP_FIELDS["confirmed"][0], boolean=True, ordering="confirmed")
    def confirmed_column(self, device: Any) -> bool:
        return device.confirmed

    @admin.display(description=_("QR code"))
    def qrcode_link(self, device: Any) -> str:
        try:
            href = reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": device.pk})
        except NoReverseMatch:
            return ""
        return format_html('<a href="{}">{}</a>', href, gettext("QR code"))


class _AccessAttemptInLanguage(_LibraryAdmin):
    """django-axes names two columns by their method and builds one message from an f-string."""

    @admin.display(description=_("Status"))
    def status(self, obj: Any) -> str:
        return super().status(obj)

    @admin.display(description=_("Expires At"))
    def expiration(self, obj: Any) -> Any:
        return super().expiration(obj)

    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: Any) -> None:
        count = self.handler.clean_expired_user_attempts(request=request)
        message = ngettext(
            "Cleaned up %(count)d expired access attempt.",
            "Cleaned up %(count)d expired access attempts.",
            count,
        )
        self.message_user(request, message % {"count": count})


_IN_LANGUAGE = {
    "auditlog.logentry": _LogEntryInLanguage,
    "otp_totp.totpdevice": _TOTPDeviceInLanguage,
    "axes.accessattempt": _AccessAttemptInLanguage,
}


def _rescope_library_admins() -> None:
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, ScopedAdmin) or model._meta.app_label not in _LIBRARY_APPS:
            continue
        scope = _LIBRARY_SCOPES.get(model._meta.label_lower, SUPERUSER_ONLY)
        language = _IN_LANGUAGE.get(model._meta.label_lower)
        bases = (ScopedAdmin, language, type(model_admin)) if language else (ScopedAdmin, type(model_admin))
        scoped: Any = type(f"Scoped{type(model_admin).__name__}", bases, {"admin_scope": scope})
        if model._meta.label_lower == "auditlog.logentry":
            # Append-only: reading only, whatever the library's admin would allow.
            scoped.has_add_permission = lambda self, request, obj=None: False
            scoped.has_change_permission = _no
            scoped.has_delete_permission = _no
        admin.site.unregister(model)
        admin.site.register(model, scoped)


def _no(self: Any, request: HttpRequest, obj: Any = None) -> bool:
    return False


_rescope_library_admins()
