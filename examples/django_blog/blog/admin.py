from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Comment, Post


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    readonly_fields = ["created"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "published", "created"]
    list_filter = ["published", "created"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "created"
    inlines = [CommentInline]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # New posts are by whoever writes them, unless they pick someone else.
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["name", "post", "created"]
    search_fields = ["name", "body"]
    list_select_related = ["post"]
