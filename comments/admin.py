"""Admin for bans, word lists, moderation policies and reader reports (the comment list is the moderation app's)."""

from django.contrib import admin

from comments.models import Ban, Flag, ModerationPolicy, WordRule


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "mode", "new_commenter_threshold", "comments_closed", "auto_close_days"]
    list_filter = ["mode", "comments_closed"]
    raw_id_fields = ["article"]
    fieldsets = [
        ("Applies to (a section, or one article: the article's own policy wins)", {"fields": ["section", "article"]}),
        ("Moderation", {"fields": ["mode", "new_commenter_threshold", "spam_hold_threshold", "spam_threshold"]}),
        ("Closing", {"fields": ["comments_closed", "auto_close_days"]}),
    ]


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "reason", "created_by", "created_at", "expires_at"]
    list_filter = ["kind"]
    search_fields = ["value", "reason"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if obj.kind == Ban.Kind.EMAIL:
            obj.value = obj.value.strip().lower()
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WordRule)
class WordRuleAdmin(admin.ModelAdmin):
    list_display = ["word", "kind", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["word"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    """Reports are the readers' words: moderators may resolve them, not rewrite them."""

    list_display = ["comment", "reason", "reporter_key", "created_at", "resolved_at"]
    list_filter = ["reason", "resolved_at"]
    readonly_fields = ["comment", "reason", "note", "user", "reporter_key", "created_at"]

    def has_add_permission(self, request):
        return False
