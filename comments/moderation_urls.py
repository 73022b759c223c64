"""/moderation/: the moderator interface (comments/moderation/views.py). Moderators only; POST for every change."""

from django.urls import path

from comments.moderation import views
from comments.moderation.auth import login_view

app_name = "moderation"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("counts/", views.counts, name="counts"),
    path("comments/<int:comment_id>/decide/", views.decide, name="decide"),
    path("comments/<int:comment_id>/ban/", views.ban, name="ban"),
    path("bulk/", views.bulk, name="bulk"),
    path("undo/", views.undo, name="undo"),
    path("audit/", views.audit, name="audit"),
    path("audit.csv", views.audit_csv, name="audit-csv"),
    path("words/", views.words, name="words"),
    path("words/<int:rule_id>/remove/", views.word_remove, name="word-remove"),
    path("bans/", views.bans, name="bans"),
    path("bans/<int:ban_id>/lift/", views.ban_end, name="ban-lift"),
    path("figures/", views.figures, name="figures"),
]
