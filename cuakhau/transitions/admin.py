from django.contrib import admin

from .models import TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    list_display = ("created", "content_type", "object_id", "transition", "source", "target", "by")
    list_filter = ("content_type", "transition")
    search_fields = ("object_id", "note", "actor__username", "actor_label")
    date_hierarchy = "created"

    def has_add_permission(self, request):  # append-only
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
