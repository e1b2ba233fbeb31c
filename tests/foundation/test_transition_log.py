"""The transition log is append-only, and fire() is the one way a state changes."""

from __future__ import annotations

import pytest
from django.db import transaction

from cuakhau.errors import Conflict
from cuakhau.transitions.models import AppendOnlyError, TransitionLog
from cuakhau.transitions.services import fire, history
from tests.factories import DeclarationFactory

pytestmark = pytest.mark.django_db


def test_fire_changes_state_and_writes_one_log_row_with_the_actor(owner):
    declaration = DeclarationFactory()
    with transaction.atomic():
        fire(declaration, "submit", actor=owner, note="first time")
    declaration.refresh_from_db()
    assert declaration.state == "submitted"
    (row,) = history(declaration)
    assert (row.source, row.target, row.transition, row.actor, row.note) == (
        "draft",
        "submitted",
        "submit",
        owner,
        "first time",
    )


def test_fire_refuses_an_illegal_transition_and_changes_nothing():
    declaration = DeclarationFactory()
    with pytest.raises(Conflict) as excinfo, transaction.atomic():
        fire(declaration, "clear")
    assert excinfo.value.code == "illegal_transition"
    declaration.refresh_from_db()
    assert declaration.state == "draft"
    assert not history(declaration).exists()


@pytest.mark.django_db(transaction=True)
def test_fire_outside_a_transaction_is_a_programming_error():
    declaration = DeclarationFactory()
    with pytest.raises(RuntimeError):
        fire(declaration, "submit")


def test_a_stale_copy_cannot_overwrite_a_concurrent_transition():
    declaration = DeclarationFactory()
    stale = type(declaration).objects.get(pk=declaration.pk)
    with transaction.atomic():
        fire(declaration, "submit")
    with pytest.raises(Conflict), transaction.atomic():
        fire(stale, "cancel")
    declaration.refresh_from_db()
    assert declaration.state == "submitted"


def test_state_field_cannot_be_assigned_directly():
    declaration = DeclarationFactory()
    with pytest.raises(AttributeError):
        declaration.state = "cleared"


def test_log_rows_cannot_be_updated_or_deleted_through_the_orm():
    declaration = DeclarationFactory()
    with transaction.atomic():
        row = fire(declaration, "submit")
    row.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.filter(pk=row.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.filter(pk=row.pk).delete()
    assert TransitionLog.objects.get(pk=row.pk).note == ""
