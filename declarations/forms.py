"""Portal forms: the declaration header, cargo lines and containers (formsets), a document."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vehicles.models import Direction, Driver, Gate, Vehicle

from .models import DeliveryMode, DocumentKind


class DeclarationForm(forms.Form):
    # The company's own vehicles and drivers: the querysets are set per form in __init__.
    vehicle = forms.ModelChoiceField(queryset=Vehicle.objects.none(), label=_("Vehicle"))
    driver = forms.ModelChoiceField(queryset=Driver.objects.none(), label=_("Driver"))
    gate = forms.ModelChoiceField(
        queryset=Gate.objects.filter(is_active=True), to_field_name="code", label=_("Gate")
    )
    direction = forms.ChoiceField(choices=Direction.choices, label=_("Direction"))
    planned_date = forms.DateField(label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"}))
    delivery_mode = forms.ChoiceField(
        choices=DeliveryMode.choices, label=_("Delivery"), initial=DeliveryMode.STANDARD
    )
    temporary_import = forms.BooleanField(label=_("Temporary import / re-export"), required=False)

    def __init__(self, *args: Any, company: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["vehicle"]).queryset = company.vehicles.all()
        cast(forms.ModelChoiceField, self.fields["driver"]).queryset = company.drivers.all()


class CargoLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200)
    hs_code = forms.CharField(label=_("HS code"), max_length=10)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, min_value=0)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="kg")
    gross_kg = forms.DecimalField(label=_("Gross kg"), max_digits=12, decimal_places=2, min_value=0)
    value = forms.DecimalField(
        label=_("Value (USD)"), max_digits=16, decimal_places=2, min_value=0, initial=0
    )
    origin = forms.CharField(label=_("Origin"), max_length=2, initial="VN")
    perishable = forms.BooleanField(label=_("Perishable"), required=False)


class ContainerForm(forms.Form):
    number = forms.CharField(label=_("Container number"), max_length=15)
    size_ft = forms.TypedChoiceField(
        label=_("Size"), choices=[(20, "20 ft"), (40, "40 ft"), (45, "45 ft")], coerce=int, initial=40
    )


# A truck carries tens of lines, not thousands: more is refused, and never built (absolute_max).
MAX_ROWS = 100
CargoFormSet = forms.formset_factory(
    CargoLineForm, extra=1, can_delete=True, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
)
ContainerFormSet = forms.formset_factory(
    ContainerForm, extra=1, can_delete=True, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices, label=_("Kind"))
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


def formset_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The filled, not deleted rows of a valid formset, as plain dicts for the services."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def apply_service_errors(exc: ValidationError, form: forms.Form) -> list[str]:
    """Put a service's field errors beside the header fields; return the others (cargo, ...)."""
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    left: list[str] = []
    for field, messages in details.items():
        if field in form.fields:
            form.add_error(field, messages)
        else:
            left.extend(str(m) for m in messages)
    return left
