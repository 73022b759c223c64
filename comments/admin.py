"""Django admin for comments and moderation. Decisions here go through the same services (and audit) as the
moderator interface; the audit trail is read-only."""

from django.contrib import admin, messages

from comments.models import Ban, Comment, Flag, ModerationDecision, ModerationPolicy, ModeratorScope, WordRule
from comments.services.moderation import PAST_TENSE, comments_decide_bulk


def _decide_action(action: str):
    def run(modeladmin, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[:500])
        result = comments_decide_bulk(
            ids=ids, action=action, actor=request.user, request_id=getattr(request, "request_id", "")
        )
        modeladmin.message_user(request, f"{result.decided} comments {PAST_TENSE[action]}.", messages.SUCCESS)

    run.__name__ = f"{action}_selected"
    run.short_description = f"{action.capitalize()} selected comments (at most 500)"
    run.allowed_permissions = ("moderate",)
    return run


class FlagInline(admin.TabularInline):
    model = Flag
    extra = 0
    can_delete = False
    readonly_fields = ["reason", "note", "user", "reporter_key", "created_at", "resolved_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "author_name", "article", "status", "spam_score", "flag_count", "created_at", "reviewed_at"]
    list_filter = ["status", ("reviewed_at", admin.EmptyFieldListFilter), "article__section"]
    search_fields = ["body", "author_name", "author_email", "user__username", "ip_hash"]
    list_select_related = ["article"]
    raw_id_fields = ["article", "parent", "root", "user", "reviewed_by", "leased_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = [_decide_action("approve"), _decide_action("reject"), _decide_action("spam")]
    inlines = [FlagInline]
    # Status and everything the lifecycle keeps are changed only through the actions (the services and audit).
    readonly_fields = [
        "status",
        "status_changed_at",
        "reviewed_at",
        "reviewed_by",
        "reply_count",
        "flag_count",
        "spam_score",
        "spam_reasons",
        "scored_at",
        "model_version",
        "hold_reasons",
        "priority",
        "leased_by",
        "lease_expires_at",
        "ip_hash",
        "ua_hash",
        "secret_hash",
        "path",
        "depth",
    ]

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.can_moderate")


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    """The audit trail: append-only, so the admin can only read it."""

    list_display = ["created_at", "actor", "action", "reason", "comment_id", "status_before", "status_after"]
    list_filter = ["action", "status_after"]
    search_fields = ["actor__username", "reason", "note", "request_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    """Editors set a section's policy here (or one article's: the article's own policy wins)."""

    list_display = ["__str__", "mode", "new_commenter_threshold", "comments_closed", "auto_close_days"]
    list_filter = ["mode", "comments_closed"]
    raw_id_fields = ["article"]
    fieldsets = [
        ("Applies to (a section, or one article: the article's own policy wins)", {"fields": ["section", "article"]}),
        ("Moderation", {"fields": ["mode", "new_commenter_threshold", "spam_hold_threshold", "spam_threshold"]}),
        ("Closing", {"fields": ["comments_closed", "auto_close_days"]}),
    ]


class CreatedByAdmin(admin.ModelAdmin):
    """Records who added a row (bans, word rules)."""

    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Ban)
class BanAdmin(CreatedByAdmin):
    list_display = ["kind", "value", "reason", "created_by", "created_at", "expires_at"]
    list_filter = ["kind"]
    search_fields = ["value", "reason"]

    def save_model(self, request, obj, form, change):
        if obj.kind == Ban.Kind.EMAIL:
            obj.value = obj.value.strip().lower()  # posting compares lower-cased addresses
        super().save_model(request, obj, form, change)


@admin.register(WordRule)
class WordRuleAdmin(CreatedByAdmin):
    list_display = ["word", "kind", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["word"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    """Reports are the readers' words: moderators may resolve them (resolved_at), not rewrite or add them."""

    list_display = ["comment_id", "reason", "reporter_key", "created_at", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["comment", "reason", "note", "user", "reporter_key", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ModeratorScope)
class ModeratorScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "section"]
    raw_id_fields = ["user"]
