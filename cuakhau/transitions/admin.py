from django.contrib import admin

from cuakhau.security.admin_scope import Scope, ScopedAdmin

from .models import TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(ScopedAdmin, admin.ModelAdmin):
    # An entry is visible where the object it is about is visible (its gate, its agency).
    admin_scope = Scope(generic=("content_type", "object_id"))
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
