"""Reader routes of the comments app (HTML): the article page's form, replies, reports, one's own comments."""

from django.urls import path

from comments import views

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_post, name="comment-post"),
    path("comments/<int:pk>/replies/", views.comment_replies_page, name="comment-replies"),
    path("comments/<int:pk>/report/", views.comment_report, name="comment-report"),
    path("comments/<int:pk>/edit/", views.comment_edit_page, name="comment-edit"),
    path("comments/<int:pk>/delete/", views.comment_delete_page, name="comment-delete"),
]
