"""The declaration and review API (SPEC field names). Thin: every write is one service call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cuakhau.errors import NotFound
from cuakhau.security.parsers import DepthLimitedJSONParser
from cuakhau.security.serializers import RefuseReadOnlyFields

from . import selectors, services
from .forms import MAX_ROWS
from .models import AgencyReview, Declaration, DocumentKind


# --- output ------------------------------------------------------------------------------------
class CargoLineSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    hs_code = serializers.CharField(max_length=10)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField(max_length=20)
    gross_kg = serializers.DecimalField(max_digits=12, decimal_places=2)
    value = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, default=Decimal(0))
    currency = serializers.CharField(max_length=3, required=False, default="USD")
    origin = serializers.CharField(max_length=2, required=False, default="VN")
    perishable = serializers.BooleanField(required=False, default=False)


class ReviewSerializer(serializers.ModelSerializer):
    declaration = serializers.IntegerField(source="declaration_id", read_only=True)
    gate = serializers.CharField(source="declaration.gate.code", read_only=True)
    channel = serializers.CharField(source="declaration.channel", read_only=True)
    officer = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = AgencyReview
        fields = [
            "id", "declaration", "gate", "channel", "agency", "state", "note", "officer",
            "decided_by_rule", "ready_at", "due_at", "claimed_at", "decided_at", "overdue", "actions",
        ]  # fmt: skip

    def get_officer(self, review: AgencyReview) -> str | None:
        return review.officer.get_username() if review.officer is not None else None

    def get_actions(self, review: AgencyReview) -> list[str]:
        request = self.context.get("request")
        return selectors.review_actions(request.user, review) if request else []


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded = serializers.DateTimeField()


class DeclarationSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    company = serializers.IntegerField(source="company_id")
    vehicle = serializers.IntegerField(source="vehicle_id")
    driver = serializers.IntegerField(source="driver_id")
    gate = serializers.CharField(source="gate.code")
    plate = serializers.CharField(source="vehicle.plate")
    cargo_lines = CargoLineSerializer(many=True)
    containers = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True)
    reviews = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = [
            "id", "number", "state", "company", "vehicle", "plate", "driver", "gate", "direction",
            "planned_date", "delivery_mode", "temporary_import", "channel", "channel_reason",
            "required_agencies", "cargo_lines", "containers", "documents", "reviews", "round",
            "submitted_at", "cleared_at", "valid_until", "created", "updated", "actions",
        ]  # fmt: skip

    def get_containers(self, declaration: Declaration) -> list[str]:
        return [c.number for c in declaration.containers.all()]

    def get_reviews(self, declaration: Declaration) -> list[dict[str, Any]]:
        return [
            {"id": r.pk, "agency": r.agency, "state": r.state, "note": r.note, "decided_at": r.decided_at}
            for r in declaration.reviews.all()
        ]

    def get_actions(self, declaration: Declaration) -> list[str]:
        request = self.context.get("request")
        return selectors.declaration_actions(request.user, declaration) if request else []


# --- input -------------------------------------------------------------------------------------
class DeclarationInputSerializer(RefuseReadOnlyFields, serializers.Serializer):
    answer_fields = DeclarationSerializer.Meta.fields
    vehicle = serializers.IntegerField()
    driver = serializers.IntegerField()
    gate = serializers.CharField(max_length=20)
    direction = serializers.CharField(max_length=10)
    planned_date = serializers.DateField()
    delivery_mode = serializers.CharField(max_length=20, required=False)
    temporary_import = serializers.BooleanField(required=False)
    # many=True hands max_length on to the ListSerializer it builds; the stubs type the child.
    cargo_lines = CargoLineSerializer(many=True, required=False, max_length=MAX_ROWS)  # type: ignore[call-arg]
    containers = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=MAX_ROWS
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField()


def _read(request: Request, serializer_class: type[serializers.Serializer], **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- views -------------------------------------------------------------------------------------
class DeclarationViewSet(viewsets.GenericViewSet):
    """Declarations: operators see their company's; officers those with a review of theirs."""

    serializer_class = DeclarationSerializer
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Any]:
        qs = selectors.declarations_for_user(self.request.user)
        state = self.request.query_params.get("state")
        return qs.filter(state=state) if state else qs

    def _get(self, pk: Any) -> Declaration:
        try:
            return self.get_queryset().get(pk=int(pk))
        except (Declaration.DoesNotExist, ValueError):
            raise NotFound(_("No such declaration."))

    def _reply(self, declaration: Declaration, code: int = status.HTTP_200_OK) -> Response:
        fresh = self._get(declaration.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _reply_in_hand(self, declaration: Declaration, code: int = status.HTTP_200_OK) -> Response:
        """The declaration a service returned with its rows (gate, vehicle, cargo lines,
        containers, documents, reviews) as it wrote them: the same answer as `_reply`, unread."""
        return Response(self.get_serializer(declaration).data, status=code)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(self.get_serializer(self._get(pk)).data)

    @extend_schema(request=DeclarationInputSerializer)
    def create(self, request: Request) -> Response:
        data = _read(request, DeclarationInputSerializer)
        declaration = services.declaration_create(actor=request.user, for_reply=True, **data)
        return self._reply_in_hand(declaration, status.HTTP_201_CREATED)

    @extend_schema(request=DeclarationInputSerializer)
    def update(self, request: Request, pk: Any = None, partial: bool = False) -> Response:
        declaration = selectors.declaration_for_owner(user=request.user, pk=pk)
        data = _read(request, DeclarationInputSerializer, partial=partial)
        declaration = services.declaration_update(actor=request.user, declaration=declaration, **data)
        return self._reply(declaration)

    @extend_schema(request=DeclarationInputSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: Any = None) -> Response:
        """Only a draft is deleted; a submitted declaration is cancelled instead (its log stays)."""
        declaration = selectors.declaration_for_owner(user=request.user, pk=pk)
        services.declaration_delete_draft(actor=request.user, declaration=declaration)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        # The service locks the caller's company's declaration and reads its rows once; the
        # operator check comes first, as `declaration_for_owner` makes it for the other actions.
        selectors.operator_company(request.user)
        try:
            declaration_id = int(pk)
        except (TypeError, ValueError):
            raise NotFound(_("No such declaration."))
        submitted = services.declaration_submit(
            actor=request.user, declaration=declaration_id, for_reply=True
        )
        return self._reply_in_hand(submitted)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: Any = None) -> Response:
        declaration = selectors.declaration_for_owner(user=request.user, pk=pk)
        return self._reply(services.declaration_resubmit(actor=request.user, declaration=declaration))

    @extend_schema(request=NoteSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        declaration = selectors.declaration_for_owner(user=request.user, pk=pk)
        note = _read(request, NoteSerializer)["note"]
        return self._reply(
            services.declaration_cancel(actor=request.user, declaration=declaration, note=note)
        )

    @extend_schema(request=DocumentUploadSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request: Request, pk: Any = None) -> Response:
        declaration = selectors.declaration_for_owner(user=request.user, pk=pk)
        data = _read(request, DocumentUploadSerializer)
        document = services.document_add(
            actor=request.user, declaration=declaration, kind=data["kind"], file=data["file"]
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class ReviewViewSet(viewsets.GenericViewSet):
    """An officer's reviews (their agency at their gates) and the decisions on them."""

    serializer_class = ReviewSerializer

    def get_queryset(self) -> QuerySet[Any]:
        qs = selectors.reviews_for_user(self.request.user)
        params = self.request.query_params
        if params.get("state"):
            qs = qs.filter(state=params["state"])
        if params.get("gate"):
            qs = qs.filter(declaration__gate__code=params["gate"].upper())
        if params.get("declaration", "").isdigit():
            # Through the id field's own lookup: a number too big for the column finds nothing
            # (the foreign key's lookup would send it to the database and fail).
            qs = qs.filter(declaration__id=int(params["declaration"]))
        return qs

    def _get(self, pk: Any) -> AgencyReview:
        try:
            return self.get_queryset().get(pk=int(pk))
        except (AgencyReview.DoesNotExist, ValueError):
            raise NotFound(_("No such review."))

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(self.get_serializer(self._get(pk)).data)

    def _act(self, request: Request, pk: Any, service: Any, **kwargs: Any) -> Response:
        review = selectors.review_for_officer(user=request.user, pk=pk)
        # The service returns the review as it saved it, with its declaration and the
        # declaration's reviews (read under lock): the reply needs nothing read again.
        done = service(actor=request.user, review=review, **kwargs)
        return Response(self.get_serializer(done).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, services.review_claim)

    @extend_schema(request=NoteSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, services.review_approve, note=_read(request, NoteSerializer)["note"])

    @extend_schema(request=NoteSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, services.review_reject, note=_read(request, NoteSerializer)["note"])

    @extend_schema(request=NoteSerializer)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request, pk, services.review_request_info, note=_read(request, NoteSerializer)["note"]
        )
