"""The caller's inbox over the API: list, mark read (one or all), unread count."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cuakhau.errors import NotFound

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject_type", read_only=True)
    read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "event", "subject", "subject_id", "title", "body", "created", "read", "read_at"]
        read_only_fields = fields


UnreadCount = inline_serializer("UnreadCount", fields={"unread": serializers.IntegerField()})

# get_queryset() needs a signed-in user, so the schema generator cannot read the id's type from
# the model; say it here.
NotificationId = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The notification's id.")


@extend_schema_view(retrieve=extend_schema(parameters=[NotificationId]))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's delivered in-app notifications, newest first; `?unread=1` filters."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        queryset = selectors.inbox_for(self.request.user)
        if self.request.query_params.get("unread") in {"1", "true"}:
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=None, responses=NotificationSerializer, parameters=[NotificationId])
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        # The router lets any path segment through as pk; a non-number is an unknown id, not a 500.
        try:
            notification_id = int(pk or "")
        except ValueError:
            raise NotFound(_("No such notification.")) from None
        notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None, responses=inline_serializer("ReadAll", fields={"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notification_mark_all_read(user=request.user)})

    @extend_schema(responses=UnreadCount)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count_for(request.user)})
