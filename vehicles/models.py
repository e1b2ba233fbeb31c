"""Registries at the bottom of the house: gates, companies, their drivers and vehicles, and who
works where (operators in a company; officers and gate staff at an agency and gates)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cuakhau.accounts.roles import Agency

from .plates import canonical_plate


class Direction(models.TextChoices):
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    EMPTY = "empty", _("Empty return")


class GateKind(models.TextChoices):
    INTERNATIONAL = "international", _("International")
    MAIN = "main", _("Main")
    SECONDARY = "secondary", _("Secondary")


class Gate(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # The gate's name for readers of the other languages; empty = the Vietnamese name.
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    name_zh_hans = models.CharField(_("name in Chinese"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=GateKind.choices)
    directions = models.JSONField(
        _("directions served"), default=list, help_text=_("Any of export, import, empty")
    )
    timezone = models.CharField(max_length=40, default="Asia/Ho_Chi_Minh", verbose_name=_("time zone"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    # Empty list = all agencies review in parallel; else the order they must approve in.
    review_order = models.JSONField(_("review order"), default=list, blank=True)
    early_margin_minutes = models.PositiveSmallIntegerField(_("yard entry early margin"), default=60)
    grace_minutes = models.PositiveSmallIntegerField(_("yard entry grace period"), default=30)
    lane_release_per_tick = models.PositiveSmallIntegerField(
        _("trucks released to the lane per call-forward tick"), default=5
    )
    company_daily_booking_cap = models.PositiveSmallIntegerField(
        _("live bookings per company per day"), default=20
    )
    declaration_validity_days = models.PositiveSmallIntegerField(
        _("days a cleared declaration stays valid"), default=3
    )
    bank_bin = models.CharField(_("bank BIN (VietQR)"), max_length=6, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=19, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=80, blank=True)
    # Where trucks are heading (WGS 84): arrival estimates measure the distance to this point.
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("gate")
        verbose_name_plural = _("gates")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def serves(self, direction: str) -> bool:
        return direction in (self.directions or [])

    def name_in(self, language: str | None) -> str:
        """The gate's name in a language (vi, en, zh-hans), the Vietnamese one when it has none."""
        language = (language or "").lower()
        if language.startswith("zh"):
            return self.name_zh_hans or self.name
        if language.startswith("en"):
            return self.name_en or self.name
        return self.name

    def names(self) -> dict[str, str]:
        """The name in every project language, for notifications rendered in the reader's."""
        return {code: self.name_in(code) for code, _label in settings.LANGUAGES}

    @property
    def display_name(self) -> str:
        """The name people read, in the active language; the code stays for the API and URLs."""
        return self.name_in(get_language())


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    tax_code = models.CharField(_("tax code"), max_length=14, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_code})"


class CompanyMember(models.Model):
    """An operator user acting for one company."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="company_member",
        verbose_name=_("user"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="members", verbose_name=_("company")
    )

    class Meta:
        verbose_name = _("company member")
        verbose_name_plural = _("company members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"


class StaffAssignment(models.Model):
    """Where an officer, gate staff member or manager works: an agency (officers) and gates."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_assignment",
        verbose_name=_("user"),
    )
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices, blank=True)
    gates = models.ManyToManyField(Gate, related_name="staff", blank=True, verbose_name=_("gates"))

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")

    def __str__(self) -> str:
        return f"{self.user} ({self.agency or 'gate'})"


class Driver(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="drivers", verbose_name=_("company")
    )
    full_name = models.CharField(_("full name"), max_length=120)
    nationality = models.CharField(_("nationality"), max_length=2, default="VN")
    id_number = models.CharField(
        _("identity number"), max_length=20, help_text=_("CCCD (12 digits) for VN, else passport")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=30, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="driver_profiles",
        help_text=_("Portal account of the driver, to receive notifications"),
        verbose_name=_("user"),
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "nationality", "id_number"], name="driver_unique_id_per_company"
            )
        ]
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")

    def __str__(self) -> str:
        return self.full_name


class VehicleKind(models.TextChoices):
    TRUCK = "truck", _("Truck")
    CONTAINER_TRACTOR = "container_tractor", _("Container tractor")
    REFRIGERATED = "refrigerated", _("Refrigerated truck")
    TANKER = "tanker", _("Tanker")
    VAN = "van", _("Van")


class Country(models.TextChoices):
    VN = "VN", _("Vietnam")
    CN = "CN", _("China")


class Vehicle(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="vehicles", verbose_name=_("company")
    )
    plate = models.CharField(_("plate"), max_length=20)
    plate_canonical = models.CharField(_("canonical plate"), max_length=20, db_index=True, editable=False)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.VN)
    kind = models.CharField(_("kind"), max_length=20, choices=VehicleKind.choices, default=VehicleKind.TRUCK)
    trailer_plate = models.CharField(_("trailer plate"), max_length=20, blank=True)
    trailer_plate_canonical = models.CharField(
        max_length=20, blank=True, editable=False, verbose_name=_("canonical trailer plate")
    )
    max_gross_kg = models.PositiveIntegerField(_("max gross weight (kg)"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["plate_canonical"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "plate_canonical"], name="vehicle_unique_plate_per_country"
            )
        ]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The canonical form always follows the typed one; the one parser decides both.

        self.plate_canonical = canonical_plate(self.plate)
        self.trailer_plate_canonical = canonical_plate(self.trailer_plate) if self.trailer_plate else ""
        super().save(*args, **kwargs)
