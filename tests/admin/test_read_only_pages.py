"""The pages people only look at refuse add, change and delete, even to a superuser: one mixin
(cuakhau.security.admin_scope.ReadOnlyAdmin) answers for all of them."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from cuakhau.notifications.models import Notification
from cuakhau.security.admin_scope import ReadOnlyAdmin, ScopedAdmin
from cuakhau.transitions.models import TransitionLog
from declarations.fees.models import Fee, Payment
from declarations.models import AgencyReview, Declaration
from queueing.kiosk.models import GateEvent
from queueing.models import Booking

READ_ONLY = [Notification, TransitionLog, Fee, Payment, Declaration, AgencyReview, GateEvent, Booking]


@pytest.mark.django_db
@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_a_read_only_page_refuses_add_change_and_delete_even_to_a_superuser(model):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    assert isinstance(model_admin, ReadOnlyAdmin)
    assert isinstance(model_admin, ScopedAdmin)  # still scoped to the user's gates and agency
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_view_permission(request) is True
