"""Moderation API (/api/v1/moderation/): thin DRF views over the moderation selectors and services.

Only moderators (comments.can_moderate) get in: anonymous -> 401, anyone else -> 403. GET never changes state.
"""

from django.core.paginator import InvalidPage, Paginator
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from comments.models import Comment
from comments.priority import priority_at
from comments.selectors_moderation import (
    QUEUES,
    TEXT_MIN_LENGTH,
    QueueFilters,
    comment_flags_open,
    comment_list_moderation_queue,
    moderation_queue_counts,
    moderator_section_ids,
)
from comments.services.moderation import (
    ACTIONS,
    MAX_BULK,
    REJECT_REASONS,
    comment_decide,
    comments_decide_bulk,
    comments_lease_page,
    decisions_undo,
)
from newsportal.api import PageNumberPagination
from newsportal.errors import ApplicationError

MODERATION_TAG = ["moderation"]


class CanModerate(BasePermission):
    message = "Moderators only."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("comments.can_moderate"))


class ModerationApi(APIView):
    permission_classes = [CanModerate]


def request_id(request) -> str:
    return getattr(request, "request_id", "") or getattr(getattr(request, "_request", None), "request_id", "")


class FiltersSerializer(serializers.Serializer):
    section = serializers.IntegerField(required=False, min_value=1)
    article = serializers.IntegerField(required=False, min_value=1)
    author = serializers.CharField(required=False, max_length=254)
    client = serializers.CharField(required=False, max_length=64)
    q = serializers.CharField(required=False, min_length=TEXT_MIN_LENGTH, max_length=200)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


FILTER_PARAMETERS = [
    OpenApiParameter("section", int, description="Section id (sub-sections included)"),
    OpenApiParameter("article", int, description="Article id"),
    OpenApiParameter("author", str, description="User id, username, author name or e-mail"),
    OpenApiParameter("client", str, description="Client IP hash"),
    OpenApiParameter("q", str, description="Text in the comment (case-insensitive, at least 3 characters)"),
    OpenApiParameter("date_from", str, description="Posted on or after (YYYY-MM-DD)"),
    OpenApiParameter("date_to", str, description="Posted on or before (YYYY-MM-DD)"),
]


def parse_filters(request) -> QueueFilters:
    s = FiltersSerializer(data=request.query_params)
    s.is_valid(raise_exception=True)
    return QueueFilters(**s.validated_data)


class QueueCountsApi(ModerationApi):
    @extend_schema(
        tags=MODERATION_TAG,
        summary="Exact size of every moderation queue",
        parameters=FILTER_PARAMETERS,
        responses=inline_serializer("QueueCounts", {"queues": serializers.DictField(child=serializers.IntegerField())}),
    )
    def get(self, request):
        counts = moderation_queue_counts(filters=parse_filters(request), sections=moderator_section_ids(request.user))
        return Response({"queues": counts})


class FlagOutput(serializers.Serializer):
    reason = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class QueueItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    body = serializers.CharField()
    author = serializers.SerializerMethodField()
    article = serializers.SerializerMethodField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    created_at = serializers.DateTimeField()
    spam_score = serializers.FloatField(allow_null=True)
    spam_reasons = serializers.JSONField()
    hold_reasons = serializers.JSONField()
    flag_count = serializers.IntegerField()
    flags = serializers.SerializerMethodField()
    priority = serializers.SerializerMethodField()
    leased_by = serializers.IntegerField(source="leased_by_id", allow_null=True)
    lease_expires_at = serializers.DateTimeField(allow_null=True)

    def get_author(self, obj) -> dict:
        return {"name": obj.author_name, "email": obj.author_email, "user": obj.user_id, "client": obj.ip_hash}

    def get_article(self, obj) -> dict:
        return {"id": obj.article_id, "slug": obj.article.slug, "headline": obj.article.headline}

    def get_flags(self, obj) -> list[dict]:
        return FlagOutput(self.context["flags"].get(obj.pk, []), many=True).data

    def get_priority(self, obj) -> float:
        return priority_at(obj.priority, self.context["now"])


class _CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, known_count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if known_count is not None:
            self.count = known_count  # overrides the cached_property: no COUNT(*) of a 100,000-row queue


class QueuePagination(PageNumberPagination):
    def __init__(self, known_count: int | None = None):
        self.known_count = known_count

    def django_paginator_class(self, object_list, per_page):
        return _CountedPaginator(object_list, per_page, known_count=self.known_count)

    def paginate_leased(self, queryset, request, *, moderator) -> list[Comment]:
        """paginate_queryset for ?lease=1: the page is picked and leased in one statement (SKIP LOCKED on
        PostgreSQL, as the web queue does: two clients opening it together get different cards), then read."""
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=page_number, message=str(exc))) from exc
        offset = (self.page.number - 1) * paginator.per_page
        ids = comments_lease_page(queryset=queryset, offset=offset, limit=paginator.per_page, moderator=moderator)
        return list(queryset.filter(pk__in=ids))


class QueueListApi(ModerationApi):
    @extend_schema(
        tags=MODERATION_TAG,
        summary="One moderation queue, in its order (pending: by priority)",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 200"),
            OpenApiParameter("lease", bool, description="Hold this page for you and skip cards others hold"),
        ],
        responses=QueueItemOutput(many=True),
    )
    def get(self, request, name: str):
        if name not in QUEUES:
            raise ApplicationError(f"No queue named {name!r}.", code="not_found", status=404)
        lease = request.query_params.get("lease", "").lower() in ("1", "true", "yes")
        filters, sections = parse_filters(request), moderator_section_ids(request.user)
        qs = comment_list_moderation_queue(
            queue=name,
            filters=filters,
            sections=sections,
            moderator=request.user,
            skip_leased=lease,
        )
        # The page's total is the queue's exact count, read the fast way (counters) instead of COUNT(*) of the list.
        known = (
            None if lease or not filters.only_articles else moderation_queue_counts(filters=filters, sections=sections)
        )
        paginator = QueuePagination(known_count=None if known is None else known[name])
        if lease:
            page = paginator.paginate_leased(qs, request, moderator=request.user)
        else:
            page = paginator.paginate_queryset(qs, request, view=self)
        context = {"flags": comment_flags_open(comment_ids=[c.pk for c in page]), "now": timezone.now()}
        return paginator.get_paginated_response(QueueItemOutput(page, many=True, context=context).data)


DECISION_RESULT = inline_serializer(
    "DecisionResult",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(),
        "decision": serializers.IntegerField(),
        "status_before": serializers.CharField(),
    },
)


class DecisionApi(ModerationApi):
    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=ACTIONS)
        reason = serializers.ChoiceField(choices=list(REJECT_REASONS), required=False, allow_blank=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    @extend_schema(
        tags=MODERATION_TAG,
        summary="Decide on one comment (approve, reject with a reason code, spam, restore to pending)",
        request=InputSerializer,
        responses={200: DECISION_RESULT},
    )
    def post(self, request, comment_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        comment = get_object_or_404(Comment.objects.select_related("article"), pk=comment_id)
        decision = comment_decide(
            comment=comment,
            action=s.validated_data["action"],
            actor=request.user,
            reason=s.validated_data.get("reason", ""),
            note=s.validated_data.get("note", ""),
            request_id=request_id(request),
        )
        return Response(
            {
                "id": comment.pk,
                "status": decision.status_after,
                "status_before": decision.status_before,
                "decision": decision.pk,
            }
        )


BULK_RESULT = inline_serializer(
    "BulkDecisionResult",
    {
        "batch": serializers.CharField(),
        "decided": serializers.IntegerField(),
        "results": serializers.DictField(child=serializers.CharField()),
        "decisions": serializers.ListField(child=serializers.IntegerField()),
    },
)


def bulk_response(result) -> Response:
    return Response(
        {
            "batch": result.batch,
            "decided": result.decided,
            "results": {str(cid): outcome for cid, outcome in result.results.items()},
            "decisions": [d.pk for d in result.decisions],
        },
        status=status.HTTP_200_OK,
    )


class BulkDecisionApi(ModerationApi):
    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_BULK)
        action = serializers.ChoiceField(choices=ACTIONS)
        reason = serializers.ChoiceField(choices=list(REJECT_REASONS), required=False, allow_blank=True)

    @extend_schema(
        tags=MODERATION_TAG,
        summary=f"One decision on up to {MAX_BULK} comments, in one transaction; per-id results",
        request=InputSerializer,
        responses={200: BULK_RESULT},
    )
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        result = comments_decide_bulk(
            ids=s.validated_data["ids"],
            action=s.validated_data["action"],
            actor=request.user,
            reason=s.validated_data.get("reason", ""),
            request_id=request_id(request),
        )
        return bulk_response(result)


class UndoApi(ModerationApi):
    class InputSerializer(serializers.Serializer):
        decisions = serializers.ListField(
            child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_BULK
        )

    @extend_schema(
        tags=MODERATION_TAG,
        summary="Undo decisions (e.g. a bulk): each comment back to its status before, audited as a restore",
        request=InputSerializer,
        responses={200: BULK_RESULT},
    )
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        result = decisions_undo(
            decision_ids=s.validated_data["decisions"], actor=request.user, request_id=request_id(request)
        )
        return bulk_response(result)
