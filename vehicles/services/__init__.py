"""Writes to the registries: companies (and signing up as one), drivers, vehicles.

Every function is keyword-only and raises Django's ``ValidationError`` keyed by field name, so the
portal's forms show the message beside the field and the API answers
``{"code": "invalid", "detail": {"field": [...]}}``. Nothing is half-applied: each write runs in
one transaction, and the unique constraints behind the friendly checks turn a race into the same
message rather than an ``IntegrityError``.
"""

from __future__ import annotations

from .companies import (
    COMPANY_FIELDS,
    company_create_for_user,
    company_sign_up,
    company_update,
    company_validate,
    profile_update,
)
from .drivers import DRIVER_FIELDS, driver_create, driver_delete, driver_update, driver_validate
from .vehicles import VEHICLE_FIELDS, vehicle_create, vehicle_delete, vehicle_update, vehicle_validate

__all__ = [
    "COMPANY_FIELDS",
    "DRIVER_FIELDS",
    "VEHICLE_FIELDS",
    "company_create_for_user",
    "company_sign_up",
    "company_update",
    "company_validate",
    "driver_create",
    "driver_delete",
    "driver_update",
    "driver_validate",
    "profile_update",
    "vehicle_create",
    "vehicle_delete",
    "vehicle_update",
    "vehicle_validate",
]
