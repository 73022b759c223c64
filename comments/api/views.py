"""Reader-side comment API: thin DRF views over comments' services and selectors (docs/api.md).

Lists are the hot path (mobile apps poll them): a page is one keyset query, rendered to JSON bytes once and
cached under the article's comments version, which every committed change readers can see moves on
(newsportal.services.comments_version_bump). The version is read from the database with the article in one
query, so every web process agrees on it and a cached page is never served after a change.
"""

import json
import logging
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from comments.api import selectors
from comments.api.serializers import (
    CommentCreatedSerializer,
    CommentCreateInputSerializer,
    CommentEditInputSerializer,
    CommentOutputSerializer,
    CommentPageSerializer,
    FlagInputSerializer,
    FlagOutputSerializer,
    flag_output,
)
from comments.models import Comment
from comments.services.editing import comment_delete, comment_edit, is_author
from comments.services.flags import flag_create
from comments.services.posting import comment_create
from newsportal.api import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, GuestJSONPostMixin, JSONOnly
from newsportal.conditional import make_etag, not_modified, validators
from newsportal.http import ClientInfo
from newsportal.idempotency import idempotent_post
from newsportal.throttling import ReadThrottle, WriteThrottle

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PAGE_CACHE_SECONDS = 300
SECRET_HEADER = "X-Comment-Secret"

PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="Opaque position from a `next` link."),
    OpenApiParameter(
        "page_size", int, description=f"Comments per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
    ),
]
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Up to 255 characters (a UUID4). A retry with the same key and body replays the first answer.",
)
SECRET_PARAMETER = OpenApiParameter(
    SECRET_HEADER, str, OpenApiParameter.HEADER, description="A guest's edit_secret from the 201 answer."
)
COMMENT_EXAMPLE = {
    "id": 42,
    "article": 1,
    "parent": None,
    "author_name": "Mobile Reader",
    "body": "Thoughtful piece, thank you.",
    "created_at": "2026-11-28T13:05:00.123456+08:00",
    "edited_at": None,
    "reply_count": 2,
    "status": "published",
}


def _id_param(request, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
        raise ValidationError({name: ["A comment id (a positive integer)."]})
    return int(raw)


def _page_params(request) -> tuple[selectors.Position | None, int, str]:
    raw_size = request.GET.get("page_size")
    size = DEFAULT_PAGE_SIZE
    if raw_size not in (None, ""):
        if not (raw_size.isascii() and raw_size.isdigit()) or len(raw_size) > 6 or int(raw_size) < 1:
            raise ValidationError({"page_size": [f"An integer from 1 to {MAX_PAGE_SIZE}."]})
        size = min(int(raw_size), MAX_PAGE_SIZE)
    cursor = request.GET.get("cursor") or ""
    try:
        position = selectors.Position.decode(cursor) if cursor else None
    except selectors.BadCursor:
        raise ValidationError({"cursor": ["Invalid cursor: use the `next` link as given."]}) from None
    return position, size, cursor


def comment_page(request, *, article_id: int, parent_id: int | None, url_params: dict) -> HttpResponse:
    """One cursor page of published comments (top level, or direct replies of parent_id), with ETag/304."""
    position, size, cursor = _page_params(request)
    stamp = selectors.comments_stamp(article_id=article_id)
    if stamp is None:
        raise Http404
    etag = make_etag("comments", article_id, stamp.version, stamp.comment_count, parent_id, cursor, size)
    last_modified = stamp.changed_at
    headers = validators(etag=etag, last_modified=last_modified)
    unchanged = not_modified(request, etag=etag, last_modified=last_modified)
    if unchanged is None:
        base = request.build_absolute_uri(request.path)
        key = f"api:comments:{etag}:{base}"
        body = _cached(key)
        if body is None:
            body = _render_page(article_id, parent_id, position, size, base, url_params)
            _cache_set(key, body)
        unchanged = HttpResponse(body, content_type="application/json")
    for name, value in headers.items():
        unchanged[name] = value
    unchanged._csp_exempt = True  # a JSON body is never rendered as a page: no policy to build per request
    return unchanged


def _cached(key: str) -> bytes | None:
    """The page cache is an optimisation: with the cache down, pages come from the database."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("comment page cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, body: bytes) -> None:
    try:
        cache.set(key, body, PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("comment page cache unavailable", exc_info=True)


def _render_page(article_id, parent_id, position, size, base: str, url_params: dict) -> bytes:
    rows = selectors.comment_page_rows(article_id=article_id, parent_id=parent_id, after=position, limit=size)
    next_url = None
    if len(rows) > size:
        rows = rows[:size]
        last = selectors.Position(rows[-1]["created_at"], rows[-1]["id"])
        next_url = f"{base}?{urlencode({**url_params, 'cursor': last.encode(), 'page_size': size})}"
    page = {"next": next_url, "results": [selectors.comment_item(row) for row in rows]}
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()


class FastReadMixin:
    """Anonymous reads of public pages skip DRF's per-request machinery (authentication, permissions,
    negotiation: none of them changes a public page) and call the view's `get` directly. Anything else (a
    token, a configured read throttle, an error to render) goes through the full DRF dispatch."""

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD") and "HTTP_AUTHORIZATION" not in request.META and not _read_rate():
            try:
                response = self.get(request, **kwargs)
            except (Http404, ValidationError):
                response = None  # the full dispatch raises it again and renders the one error shape
            if response is not None:
                response["Vary"] = "Accept"
                return response
        return super().dispatch(request, *args, **kwargs)


def _read_rate() -> str:
    from django.conf import settings

    rate = settings.NEWSPORTAL_API_RATES.get("read") or ""
    return "" if rate.strip().lower() in ("", "off", "none") else rate


def _client_secret(request) -> str | None:
    return request.headers.get(SECRET_HEADER) or None


def _request_id(request) -> str:
    return getattr(request._request, "request_id", "")


class ArticleCommentsApi(GuestJSONPostMixin, FastReadMixin, APIView):
    throttle_classes = [ReadThrottle, WriteThrottle]
    content_negotiation_class = JSONOnly

    @extend_schema(
        tags=["comments"],
        summary="Published comments of an article (cursor pages, oldest first)",
        description=(
            "Top-level comments with their reply counts; `?parent=<id>` lists that comment's direct replies. "
            "Follow `next` to page: the cursor is stable while new comments arrive. Answers carry an ETag: "
            "send If-None-Match to get 304 when nothing changed."
        ),
        parameters=[*PAGE_PARAMETERS, OpenApiParameter("parent", int, description="List replies of this comment.")],
        responses={200: CommentPageSerializer, 304: OpenApiResponse(description="Not modified."), **ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "A page",
                value={
                    "next": "https://example.org/api/v1/articles/1/comments/?cursor=MjAy&page_size=20",
                    "results": [COMMENT_EXAMPLE],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, article_id: int):
        parent_id = _id_param(request, "parent")
        if parent_id is not None and selectors.published_comment(comment_id=parent_id, article_id=article_id) is None:
            raise Http404
        params = {"parent": parent_id} if parent_id is not None else {}
        return comment_page(request, article_id=article_id, parent_id=parent_id, url_params=params)

    @extend_schema(
        tags=["comments"],
        summary="Post a comment (guest with a name, or signed in with a token)",
        description=(
            "Guests send `name` (and may send `email`); token users need not. The answer's `status` is "
            "`published` or `pending` (held for a moderator). Guests get an `edit_secret` once. Send an "
            "`Idempotency-Key` so a retry after a lost answer never posts twice."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=CommentCreateInputSerializer,
        responses={201: CommentCreatedSerializer, **WRITE_ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "Guest comment",
                value={"name": "Mobile Reader", "body": "Thoughtful piece, thank you."},
                request_only=True,
            ),
            OpenApiExample("A reply", value={"name": "Li Wei", "body": "Agreed.", "parent": 42}, request_only=True),
            OpenApiExample(
                "Created",
                value={**COMMENT_EXAMPLE, "status": "pending", "edit_secret": "c2VjcmV0..."},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request, article_id: int):
        user = request.user if request.user.is_authenticated else None
        return self.create(request, user=user, article_id=article_id)

    def create(self, request, *, article_id: int, user=None, data: dict | None = None):
        """The POST, from DRF's `post` or a guest's fast path (newsportal.api.GuestJSONPostMixin, which passes
        the parsed body as `data`; otherwise it is DRF's request.data, parsed after the article is found)."""
        article = selectors.published_article(article_id=article_id)
        if article is None:
            raise Http404
        if data is None:
            data = request.data
        serializer = CommentCreateInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        valid = serializer.validated_data
        if user is None and not valid.get("name", "").strip():
            raise ValidationError({"name": ["Guests must give a name."]})
        parent = None
        if valid.get("parent") is not None:
            parent = Comment.objects.filter(
                pk=valid["parent"], article=article, status=Comment.Status.PUBLISHED
            ).first()
            if parent is None:
                raise ValidationError({"parent": ["No published comment with this id on this article."]})

        def produce() -> tuple[int, dict]:
            created = comment_create(
                article=article,
                body=valid["body"],
                client=ClientInfo.from_request(request),
                user=user,
                author_name=valid.get("name", ""),
                author_email=valid.get("email", ""),
                parent=parent,
                signals={"channel": "api"},
            )
            body = selectors.comment_item_from(created.comment)
            if created.secret:
                body["edit_secret"] = created.secret
            return status.HTTP_201_CREATED, body

        return idempotent_post(request, produce, data=data)


class CommentRepliesApi(FastReadMixin, APIView):
    throttle_classes = [ReadThrottle]
    content_negotiation_class = JSONOnly

    @extend_schema(
        tags=["comments"],
        summary="Published direct replies of a comment (cursor pages, oldest first)",
        parameters=PAGE_PARAMETERS,
        responses={200: CommentPageSerializer, 304: OpenApiResponse(description="Not modified."), **ERROR_RESPONSES},
    )
    def get(self, request, comment_id: int):
        comment = selectors.published_comment(comment_id=comment_id)
        if comment is None:
            raise Http404
        return comment_page(request, article_id=comment["article_id"], parent_id=comment_id, url_params={})


class CommentDetailApi(APIView):
    """A comment; its author (token/session user, or a guest with X-Comment-Secret) may edit or delete it
    within the edit window (NEWSPORTAL_EDIT_WINDOW_MINUTES)."""

    throttle_classes = [ReadThrottle, WriteThrottle]

    def _get(self, request, comment_id: int) -> Comment:
        comment = Comment.objects.filter(pk=comment_id).exclude(status=Comment.Status.DELETED).first()
        if comment is None:
            raise Http404
        if comment.status != Comment.Status.PUBLISHED and not is_author(
            comment, user=request.user, secret=_client_secret(request)
        ):
            raise Http404  # held or removed comments are visible to their author only
        return comment

    @extend_schema(
        tags=["comments"],
        summary="One comment (published, or your own in any state)",
        parameters=[SECRET_PARAMETER],
        responses={200: CommentOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, comment_id: int):
        return Response(selectors.comment_item_from(self._get(request, comment_id)))

    @extend_schema(
        tags=["comments"],
        summary="Edit your own comment within the edit window (it is moderated again)",
        parameters=[SECRET_PARAMETER],
        request=CommentEditInputSerializer,
        responses={200: CommentOutputSerializer, **WRITE_ERROR_RESPONSES},
        examples=[OpenApiExample("New text", value={"body": "Corrected: the talks were on Tuesday."})],
    )
    def patch(self, request, comment_id: int):
        comment = self._get(request, comment_id)
        serializer = CommentEditInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        edited = comment_edit(
            comment=comment,
            body=serializer.validated_data["body"],
            user=request.user,
            secret=_client_secret(request),
            request_id=_request_id(request),
        )
        return Response(selectors.comment_item_from(edited))

    @extend_schema(
        tags=["comments"],
        summary="Delete your own comment within the edit window",
        parameters=[SECRET_PARAMETER],
        request=None,
        responses={204: None, **WRITE_ERROR_RESPONSES},
    )
    def delete(self, request, comment_id: int):
        comment = self._get(request, comment_id)
        comment_delete(
            comment=comment, user=request.user, secret=_client_secret(request), request_id=_request_id(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentFlagsApi(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        tags=["comments"],
        summary="Report a published comment (once per reader)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=FlagInputSerializer,
        responses={201: FlagOutputSerializer, **WRITE_ERROR_RESPONSES},
        examples=[OpenApiExample("Report", value={"reason": "spam", "note": "Advertising"}, request_only=True)],
    )
    def post(self, request, comment_id: int):
        comment = Comment.objects.filter(pk=comment_id, status=Comment.Status.PUBLISHED).first()
        if comment is None:
            raise Http404
        serializer = FlagInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def produce() -> tuple[int, dict]:
            flag = flag_create(
                comment=comment,
                reason=serializer.validated_data["reason"],
                note=serializer.validated_data.get("note", ""),
                user=request.user,
                client=ClientInfo.from_request(request),
            )
            return status.HTTP_201_CREATED, dict(flag_output(flag))

        return idempotent_post(request, produce)
