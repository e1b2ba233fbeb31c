"""Portal forms. They collect input; the services validate it and their errors land on fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .models import Country, VehicleKind

# Nationalities drivers at the Lạng Sơn gates usually have; any other ISO code can be typed in
# the API. Vietnam first, China second: most drivers are one or the other.
NATIONALITIES = [
    ("VN", _("Vietnam")),
    ("CN", _("China")),
    ("LA", _("Laos")),
    ("KH", _("Cambodia")),
    ("TH", _("Thailand")),
    ("MY", _("Malaysia")),
    ("SG", _("Singapore")),
    ("KR", _("South Korea")),
    ("JP", _("Japan")),
    ("RU", _("Russia")),
]


def language_choices() -> list[tuple[str, str]]:
    """Each language named in itself (Tiếng Việt, English, 简体中文): a reader finds their own."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def add_service_errors(form: forms.Form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's ``ValidationError`` on the form's fields (unknown fields: on the form)."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


class SignUpForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    tax_code = forms.CharField(
        label=_("Tax code"),
        max_length=14,
        help_text=_("10 digits, or 10 digits, a dash and 3 digits for a branch"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    tax_code = forms.CharField(
        label=_("Tax code"),
        max_length=14,
        help_text=_("10 digits, or 10 digits, a dash and 3 digits for a branch"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )


class DriverForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    nationality = forms.ChoiceField(label=_("Nationality"), choices=NATIONALITIES, initial="VN")
    id_number = forms.CharField(
        label=_("Identity number"),
        max_length=20,
        help_text=_("CCCD (12 digits) for Vietnamese drivers, passport number for others"),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    licence_number = forms.CharField(label=_("Driving licence number"), max_length=30, required=False)


class VehicleForm(forms.Form):
    plate = forms.CharField(
        label=_("Plate"),
        max_length=20,
        help_text=_("As printed, e.g. 12C-123.45 or 桂A·12345; spaces and dots do not matter"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    country = forms.ChoiceField(
        label=_("Country of registration"),
        choices=[("", _("From the plate"))] + list(Country.choices),
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=VehicleKind.choices, initial=VehicleKind.TRUCK)
    trailer_plate = forms.CharField(
        label=_("Trailer plate"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    max_gross_kg = forms.IntegerField(
        label=_("Maximum gross weight (kg)"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    phone = forms.CharField(
        label=_("Phone for SMS"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    notify_email = forms.BooleanField(label=_("Notify me by e-mail"), required=False)
    notify_sms = forms.BooleanField(label=_("Notify me by SMS"), required=False)
