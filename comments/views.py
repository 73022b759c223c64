"""Reader pages for comments: the "Leave your comment" form handler, replies, reports, editing one's own comment.

CSRF and caching (docs/comments.md): the article page is shared by every anonymous visitor, so the guest form
carries no per-visitor CSRF token. `comment_post` is csrf_exempt and instead (1) enforces Django's CSRF check
itself for signed-in readers, whose session is what CSRF protects, and (2) refuses cross-site guest posts by the
browser's Origin / Sec-Fetch-Site headers, on top of the signed time-to-submit token every form carries.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from articles.models import Article
from comments import forms, selectors
from comments.models import Comment
from comments.services.editing import can_change, comment_delete, comment_edit
from comments.services.flags import flag_create
from comments.services.posting import comment_create
from newsportal.errors import ApplicationError
from newsportal.http import ClientInfo

SESSION_SECRETS = "comment_secrets"
RESUBMIT = "This form expired or was altered. Please check your comment and send it again."
CROSS_SITE = "Comments can only be sent from this site's own pages."


def _request_id(request) -> str:
    return getattr(request, "request_id", "")


def _csrf_ok(request) -> bool:
    """Django's own CSRF check, run on demand (the view is csrf_exempt so that guests can post from cached pages)."""

    def protected(request):  # a stand-in view without the csrf_exempt mark
        return None

    return CsrfViewMiddleware(protected).process_view(request, protected, (), {}) is None


def _same_site(request) -> bool:
    """False when the browser says the post comes from another site (Sec-Fetch-Site, else Origin)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS


def _rerender(request, article: Article, form: forms.CommentForm, *, status: int, headers=None):
    """The article page again, with the submitted input and its errors in the comment form (fresh time token)."""
    data = form.data.copy()
    data["form_token"] = forms.form_token(article.pk)
    rebound = forms.CommentForm(data, user=request.user)
    rebound.is_valid()
    for field, errors in form.errors.items():
        for error in errors:
            if error not in rebound.errors.get(field, []):
                rebound.add_error(field if field in rebound.fields else None, error)
    request.comment_form = rebound
    match = resolve(article.get_absolute_url())
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response = response.render()
    response.status_code = status
    for name, value in (headers or {}).items():
        response[name] = value
    add_never_cache_headers(response)
    return response


def _remember_secret(request, comment_id: int, secret: str) -> None:
    secrets = dict(request.session.get(SESSION_SECRETS, {}))
    secrets[str(comment_id)] = secret
    request.session[SESSION_SECRETS] = dict(list(secrets.items())[-20:])


@csrf_exempt
@require_POST
def comment_post(request, slug):
    """POST /articles/<slug>/comments/: the article page's form. Success redirects back (PRG); errors re-render."""
    article = get_object_or_404(Article.objects.published().select_related("section"), slug=slug)
    form = forms.CommentForm(request.POST, user=request.user)
    if request.user.is_authenticated and not _csrf_ok(request):
        form.is_valid()
        form.add_error(None, RESUBMIT)
        return _rerender(request, article, form, status=403)
    if not request.user.is_authenticated and not _same_site(request):
        form.is_valid()
        form.add_error(None, CROSS_SITE)
        return _rerender(request, article, form, status=403)
    if not form.is_valid():
        return _rerender(request, article, form, status=400)
    seconds = forms.seconds_since_render(form.cleaned_data["form_token"], article.pk)
    if seconds is None:
        form.add_error(None, RESUBMIT)
        return _rerender(request, article, form, status=400)

    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"]).first()
        if parent is None:
            form.add_error(None, "The comment you replied to no longer exists.")
            return _rerender(request, article, form, status=400)
    try:
        result = comment_create(
            article=article,
            body=form.cleaned_data["body"],
            client=ClientInfo.from_request(request),
            user=request.user,
            author_name=form.cleaned_data.get("author_name", ""),
            author_email=form.cleaned_data.get("author_email", ""),
            parent=parent,
            signals={"honeypot": bool(form.cleaned_data.get("website")), "seconds_to_submit": round(seconds, 1)},
        )
    except ApplicationError as exc:
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.errors:
            form.add_error(None, exc.message)
        return _rerender(request, article, form, status=exc.status, headers=exc.headers)

    if result.secret:
        _remember_secret(request, result.comment.pk, result.secret)
        edit_url = request.build_absolute_uri(
            reverse("comment-edit", args=[result.comment.pk]) + "?" + urlencode({"secret": result.secret})
        )
        messages.info(request, edit_url, extra_tags="comment-edit-link")
    return _back_to_article(article, result.comment.pk)


def _back_to_article(article: Article, comment_id: int) -> HttpResponseRedirect:
    """PRG: back to the article, saying where the comment is now (scoring may already have run: a fast worker,
    or tasks run in-process)."""
    status = Comment.objects.filter(pk=comment_id).values_list("status", flat=True).first()
    posted = "published" if status == Comment.Status.PUBLISHED else "held"
    return HttpResponseRedirect(f"{article.get_absolute_url()}?posted={posted}#comment-status")


def _visible_or_404(pk: int) -> Comment:
    comment = selectors.comment_get_visible(comment_id=pk)
    if comment is None:
        raise Http404("No such comment")
    return comment


def comment_replies_page(request, pk):
    """GET /comments/<id>/replies/: every reply under a comment, a page at a time."""
    comment = _visible_or_404(pk)
    page = selectors.comment_replies(comment=comment, page=_int(request.GET.get("page"), 1))
    return render(request, "comments/replies.html", {"comment": comment, "article": comment.article, "page": page})


@require_http_methods(["GET", "POST"])
def comment_report(request, pk):
    """GET shows the report form for one published comment; POST records the report (Django CSRF applies)."""
    comment = _visible_or_404(pk)
    if request.GET.get("done"):
        return render(request, "comments/report.html", {"comment": comment, "done": True})
    form = forms.FlagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                flag_create(
                    comment=comment,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                    client=ClientInfo.from_request(request),
                )
                return redirect(reverse("comment-report", args=[pk]) + "?done=1")
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = exc.status
    return render(request, "comments/report.html", {"comment": comment, "form": form}, status=status)


def _own_comment(request, pk) -> tuple[Comment, str | None]:
    """The comment and the guest secret this browser holds for it (from the link, the form or the session)."""
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    secret = (
        request.POST.get("secret") or request.GET.get("secret") or request.session.get(SESSION_SECRETS, {}).get(str(pk))
    )
    if secret and request.method == "GET" and comment.is_guest and can_change(comment, secret=secret):
        _remember_secret(request, comment.pk, secret)
    return comment, secret


def _refuse(request, comment: Comment, message: str, status: int):
    return render(request, "comments/own_refused.html", {"comment": comment, "message": message}, status=status)


@require_http_methods(["GET", "POST"])
def comment_edit_page(request, pk):
    comment, secret = _own_comment(request, pk)
    if not can_change(comment, user=request.user, secret=secret):
        return _refuse(request, comment, "You can no longer edit this comment (or it is not yours).", 403)
    form = forms.CommentEditForm(request.POST or None, initial={"body": comment.body, "secret": secret or ""})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                comment_edit(
                    comment=comment,
                    body=form.cleaned_data["body"],
                    user=request.user,
                    secret=secret,
                    request_id=_request_id(request),
                )
                return _back_to_article(comment.article, comment.pk)
            except ApplicationError as exc:
                for error in exc.errors.get("body", [exc.message]):
                    form.add_error("body", error)
                status = exc.status
    return render(request, "comments/edit.html", {"comment": comment, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def comment_delete_page(request, pk):
    comment, secret = _own_comment(request, pk)
    if not can_change(comment, user=request.user, secret=secret):
        return _refuse(request, comment, "You can no longer delete this comment (or it is not yours).", 403)
    form = forms.CommentDeleteForm(request.POST or None, initial={"secret": secret or ""})
    if request.method == "POST":
        try:
            comment_delete(comment=comment, user=request.user, secret=secret, request_id=_request_id(request))
        except ApplicationError as exc:
            return _refuse(request, comment, exc.message, exc.status)
        return redirect(f"{comment.article.get_absolute_url()}?posted=deleted#comment-status")
    return render(request, "comments/delete.html", {"comment": comment, "form": form})


def _int(value, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default
