"""API of the registries: companies, drivers, vehicles, each scoped to the caller's company.

Reads go through the selectors (another company's row is not found: 404); writes go through the
services, whose ``ValidationError`` the project's exception handler answers as
``{"code": "invalid", "detail": {"field": [...]}}``.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cuakhau.errors import Conflict, NotAllowed
from cuakhau.security.serializers import RefuseReadOnlyFields

from . import selectors, services
from .models import Company, Country, Driver, Vehicle


class CompanySerializer(RefuseReadOnlyFields, serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "tax_code", "address", "phone"]
        # The service checks the tax code (format and uniqueness) with its own messages.
        extra_kwargs: dict[str, dict[str, Any]] = {"tax_code": {"validators": []}}


class DriverSerializer(RefuseReadOnlyFields, serializers.ModelSerializer):
    nationality = serializers.CharField(max_length=2, help_text=_("ISO 3166 two-letter code: VN, CN, ..."))

    class Meta:
        model = Driver
        fields = ["id", "full_name", "nationality", "id_number", "phone", "licence_number"]


class VehicleSerializer(RefuseReadOnlyFields, serializers.ModelSerializer):
    country = serializers.ChoiceField(
        choices=Country.choices,
        required=False,
        help_text=_("Country of registration; inferred from the plate when left out."),
    )

    class Meta:
        model = Vehicle
        fields = ["id", "plate", "plate_canonical", "country", "kind", "trailer_plate", "max_gross_kg"]
        read_only_fields = ["plate_canonical"]


def _company_or_403(request: Request) -> Company:
    company = selectors.company_for_user(request.user)
    if company is None:
        raise NotAllowed(_("Only operators acting for a company can do this; register a company first."))
    return company


class CompanyViewSet(viewsets.ModelViewSet):
    """The caller's own company. Creating one makes the caller its operator (once)."""

    serializer_class = CompanySerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.companies_for_user(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Say "you already have one" before complaining about the payload.
        if selectors.company_for_user(request.user) is not None:
            raise Conflict(_("You already belong to a company; you cannot register another one."))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.company_create_for_user(
            user=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.company_update(
            company=cast(Company, serializer.instance), data=serializer.validated_data
        )


class DriverViewSet(viewsets.ModelViewSet):
    serializer_class = DriverSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.drivers_for_user(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _company_or_403(request)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.driver_create(
            company=_company_or_403(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.driver_update(
            driver=cast(Driver, serializer.instance), data=serializer.validated_data
        )

    def perform_destroy(self, instance: Driver) -> None:
        services.driver_delete(driver=instance)


class VehicleViewSet(viewsets.ModelViewSet):
    serializer_class = VehicleSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.vehicles_for_user(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _company_or_403(request)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.vehicle_create(
            company=_company_or_403(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.vehicle_update(
            vehicle=cast(Vehicle, serializer.instance), data=serializer.validated_data
        )

    def perform_destroy(self, instance: Vehicle) -> None:
        services.vehicle_delete(vehicle=instance)
