"""/api/v1/moderation/: moderators only (comments/api/moderation.py)."""

from django.urls import path

from comments.api import moderation

urlpatterns = [
    path("queues/", moderation.QueueCountsApi.as_view(), name="api-moderation-queues"),
    path("queues/<str:name>/", moderation.QueueListApi.as_view(), name="api-moderation-queue"),
    path("comments/<int:comment_id>/decision/", moderation.DecisionApi.as_view(), name="api-moderation-decision"),
    path("decisions/", moderation.BulkDecisionApi.as_view(), name="api-moderation-decisions"),
    path("decisions/undo/", moderation.UndoApi.as_view(), name="api-moderation-undo"),
]
