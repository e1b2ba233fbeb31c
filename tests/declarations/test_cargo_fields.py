"""The cargo line's fields are listed once (declarations.models.CARGO_FIELDS); every form of a
cargo line carries exactly those."""

from declarations.api import CargoLineSerializer
from declarations.forms import CargoLineForm
from declarations.models import CARGO_FIELDS, CargoLine


def test_the_cargo_field_list_is_the_models_own_fields():
    model_fields = {f.name for f in CargoLine._meta.concrete_fields} - {"id", "declaration"}
    assert set(CARGO_FIELDS) == model_fields


def test_the_api_serializer_carries_every_cargo_field():
    assert list(CargoLineSerializer().fields) == [
        "description", "hs_code", "quantity", "unit", "gross_kg", "value", "currency", "origin", "perishable",
    ]  # fmt: skip
    assert set(CargoLineSerializer().fields) == set(CARGO_FIELDS)


def test_the_portal_form_carries_every_cargo_field_but_the_currency():
    # The portal declares values in USD (its label says so); the currency keeps its default.
    assert set(CargoLineForm.base_fields) == set(CARGO_FIELDS) - {"currency"}
