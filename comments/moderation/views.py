"""Moderator pages: thin views over comments.selectors_moderation and comments.services.moderation.

Every view is for moderators only (auth.moderator_required); every state change is a POST with CSRF (GET never
changes a status). Buttons work without JavaScript (form POST, then a redirect back); the keyboard script asks
for JSON instead (Accept: application/json) and updates the page in place.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comments.models import Ban, Comment, WordRule
from comments.moderation.auth import moderator_required
from comments.moderation.cards import card_html
from comments.moderation.charts import bar_chart
from comments.moderation.csv_export import csv_rows
from comments.moderation.forms import AuditFilterForm, BanForm, BulkForm, DecideForm, QueueFilterForm, WordForm
from comments.priority import priority_at
from comments.selectors_moderation import (
    QUEUES,
    author_history,
    author_key,
    comment_flags_open,
    comment_list_moderation_queue,
    decision_list,
    moderation_figures,
    moderation_queue_counts,
    moderator_section_ids,
    pending_newer_than,
)
from comments.services.moderation import (
    PAST_TENSE,
    REJECT_REASONS,
    ban_create,
    ban_lift,
    comment_decide,
    comments_decide_bulk,
    comments_lease_page,
    decisions_undo,
    word_rule_add,
    word_rule_remove,
)
from newsportal.errors import ApplicationError

PAGE_SIZE = 25
REASON_OPTIONS = format_html_join("", '<option value="{}">{}</option>', REJECT_REASONS.items())
UNDO_SESSION_KEY = "moderation_undo"


def _request_id(request) -> str:
    return getattr(request, "request_id", "")


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request, fallback: str = "") -> HttpResponseRedirect:
    target = request.POST.get("next") or fallback or reverse("moderation:index")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("moderation:index")
    return HttpResponseRedirect(target, status=303)


@moderator_required
@require_GET
def index(request):
    queue = request.GET.get("queue", "pending")
    if queue not in QUEUES:
        queue = "pending"
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    sections = moderator_section_ids(request.user)
    counts = moderation_queue_counts(filters=filters, sections=sections)
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    qs = comment_list_moderation_queue(
        queue=queue, filters=filters, sections=sections, moderator=request.user, skip_leased=queue == "pending"
    )
    offset = (page_number - 1) * PAGE_SIZE
    if queue == "pending":
        # Opening a batch holds it: other moderators' pending pages skip these cards until the lease ends
        # (picked and leased in one statement, then read in the queue's order).
        ids = comments_lease_page(queryset=qs, offset=offset, limit=PAGE_SIZE, moderator=request.user)
        cards = list(qs.filter(pk__in=ids))
    else:
        cards = list(qs[offset : offset + PAGE_SIZE])
    flags = comment_flags_open(comment_ids=[c.pk for c in cards if c.flag_count])
    history = author_history(comments=cards)
    now = timezone.now()
    next_url = request.get_full_path()
    csrf_input = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    comments_url = reverse("moderation:index") + "comments/"
    article_urls: dict[int, str] = {}
    for card in cards:
        # Built once per page, not reversed or formatted per card in the template: the page renders 25 cards
        # on every keystroke's reload, and the template's per-card lookups and filters were most of its time.
        card.decide_url = f"{comments_url}{card.pk}/decide/"
        card.ban_url = f"{comments_url}{card.pk}/ban/"
        if card.article_id not in article_urls:
            article_urls[card.article_id] = card.article.get_absolute_url()
        card.article_url = article_urls[card.article_id]
        card.posted = timezone.localtime(card.created_at)
        card.open_flags = flags.get(card.pk, [])
        card.history = history.get(author_key(card))
        card.current_priority = priority_at(card.priority, now)
        card.html = card_html(
            card, queue=queue, csrf_input=csrf_input, next_url=next_url, reason_options=REASON_OPTIONS
        )
    total = counts[queue]
    query = filters.as_query()
    context = {
        "queue": queue,
        "queues": [(name, counts[name]) for name in QUEUES],
        "cards": cards,
        "form": form,
        "filter_query": query,
        "page": page_number,
        "has_next": offset + PAGE_SIZE < total,
        "has_previous": page_number > 1,
        "total": total,
        "reasons": REJECT_REASONS,
        "undo": request.session.get(UNDO_SESSION_KEY),
        "next_url": next_url,
    }
    return render(request, "moderation/queue.html", context)


@moderator_required
@require_GET
def counts(request):
    """Small JSON for the "N new" notice: every queue's size, the newest pending id (the script's starting point,
    asked for once when the page loads) and how many pending comments are newer than `since`."""
    sections = moderator_section_ids(request.user)
    data = {
        "queues": moderation_queue_counts(filters=QueueFilterForm(request.GET or None).filters(), sections=sections)
    }
    since = request.GET.get("since", "")
    if since.isdigit():
        data["new"] = pending_newer_than(since_id=int(since), sections=sections).count()
    else:
        newest = pending_newer_than(sections=sections).order_by("-pk").values_list("pk", flat=True).first()
        data["newest"] = newest or 0
    return JsonResponse(data)


@moderator_required
@require_POST
def decide(request, comment_id: int):
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=comment_id)
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _fail(request, "Choose approve, reject, spam or restore.", 400)
    action = form.cleaned_data["action"]
    try:
        decision = comment_decide(
            comment=comment,
            action=action,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            request_id=_request_id(request),
        )
    except ApplicationError as exc:
        return _fail(request, exc.message, exc.status)
    if _wants_json(request):
        sections = moderator_section_ids(request.user)
        return JsonResponse(
            {
                "id": comment.pk,
                "status": decision.status_after,
                "decision": decision.pk,
                "queues": moderation_queue_counts(sections=sections),
            }
        )
    messages.success(request, f"Comment {comment.pk} {PAST_TENSE[action]}.")
    return _back(request)


def _fail(request, message: str, status: int):
    if _wants_json(request):
        return JsonResponse({"code": "invalid", "detail": message, "status": status}, status=status)
    messages.error(request, message)
    return _back(request)


@moderator_required
@require_POST
def bulk(request):
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _fail(request, "Choose some comments and an action.", 400)
    action = form.cleaned_data["action"]
    try:
        result = comments_decide_bulk(
            ids=form.cleaned_data["ids"],
            action=action,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            request_id=_request_id(request),
        )
    except ApplicationError as exc:
        return _fail(request, exc.message, exc.status)
    request.session[UNDO_SESSION_KEY] = {
        "decisions": [d.pk for d in result.decisions],
        "label": f"{result.decided} {PAST_TENSE[action]}",
    }
    messages.success(request, f"{result.decided} comments {PAST_TENSE[action]}.")
    return _back(request)


@moderator_required
@require_POST
def undo(request):
    pending = request.session.pop(UNDO_SESSION_KEY, None)
    if not pending:
        return _fail(request, "Nothing to undo.", 400)
    result = decisions_undo(decision_ids=pending["decisions"], actor=request.user, request_id=_request_id(request))
    messages.success(request, f"Undone: {result.decided} comments back to where they were.")
    return _back(request)


@moderator_required
@require_http_methods(["GET", "POST"])
def ban(request, comment_id: int):
    comment = get_object_or_404(Comment.objects.select_related("article", "user"), pk=comment_id)
    form = BanForm(request.POST or None, initial={"kind": "user" if comment.user_id else "ip"})
    if request.method == "POST" and form.is_valid():
        try:
            result = ban_create(
                actor=request.user,
                comment=comment,
                request_id=_request_id(request),
                **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"Banned ({result.ban.get_kind_display()}); {len(result.rejected)} pending comments rejected."
            )
            return redirect("moderation:bans")
    return render(request, "moderation/ban.html", {"comment": comment, "form": form})


@moderator_required
@require_http_methods(["GET", "POST"])
def bans(request):
    form = BanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ban_create(
                actor=request.user,
                request_id=_request_id(request),
                **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Ban added.")
            return redirect("moderation:bans")
    page = Paginator(Ban.objects.select_related("created_by"), 50).get_page(request.GET.get("page"))
    return render(request, "moderation/bans.html", {"form": form, "page": page, "now": timezone.now()})


@moderator_required
@require_POST
def ban_end(request, ban_id: int):
    ban_lift(ban=get_object_or_404(Ban, pk=ban_id), actor=request.user)
    messages.success(request, "Ban lifted.")
    return redirect("moderation:bans")


@moderator_required
@require_http_methods(["GET", "POST"])
def words(request):
    form = WordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            word_rule_add(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error("word", exc.message)
        else:
            messages.success(request, "Word added.")
            return redirect("moderation:words")
    rules = WordRule.objects.select_related("created_by")
    context = {
        "form": form,
        "banned": [r for r in rules if r.kind == WordRule.Kind.BANNED],
        "suspect": [r for r in rules if r.kind == WordRule.Kind.SUSPECT],
    }
    return render(request, "moderation/words.html", context)


@moderator_required
@require_POST
def word_remove(request, rule_id: int):
    word_rule_remove(rule=get_object_or_404(WordRule, pk=rule_id), actor=request.user)
    messages.success(request, "Word removed.")
    return redirect("moderation:words")


@moderator_required
@require_GET
def audit(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(decision_list(filters=filters), 50).get_page(request.GET.get("page"))
    return render(request, "moderation/audit.html", {"form": form, "page": page, "filter_query": filters.as_query()})


AUDIT_HEADER = [
    "time",
    "moderator",
    "action",
    "reason",
    "note",
    "comment",
    "status_before",
    "status_after",
    "request_id",
]


@moderator_required
@require_GET
def audit_csv(request):
    decisions = decision_list(filters=AuditFilterForm(request.GET or None).filters())
    rows = (
        (
            d.created_at.isoformat(),
            d.actor.username if d.actor else "system",
            d.action,
            d.reason,
            d.note,
            d.comment_id,
            d.status_before,
            d.status_after,
            d.request_id,
        )
        for d in decisions.iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(csv_rows(AUDIT_HEADER, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-audit.csv"'
    return response


@moderator_required
@require_GET
def figures(request):
    data = moderation_figures(sections=moderator_section_ids(request.user))
    labels = [d.strftime("%m-%d") for d in data.days]
    context = {
        "figures": data,
        "oldest_age": (timezone.now() - data.oldest_pending_at) if data.oldest_pending_at else None,
        "median_minutes": round(data.median_seconds / 60, 1) if data.median_seconds is not None else None,
        "charts": [
            ("Decisions per day", bar_chart(list(zip(labels, data.decisions_per_day, strict=True)))),
            (
                "Median minutes from posting to decision",
                bar_chart(
                    [(lbl, round(s / 60, 1)) for lbl, s in zip(labels, data.median_seconds_per_day, strict=True)]
                ),
            ),
            ("Comments held for review", bar_chart(list(zip(labels, data.held_per_day, strict=True)))),
        ],
    }
    return render(request, "moderation/figures.html", context)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("moderation:login")
