"""The public pages: the paginated list of published posts and a post with its comments."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from django.views.generic import ListView

from .forms import CommentForm
from .models import Post

POSTS_PER_PAGE = 5


class PostListView(ListView):
    queryset = Post.objects.filter(published=True).select_related("author")
    paginate_by = POSTS_PER_PAGE
    template_name = "blog/post_list.html"


@require_http_methods(["GET", "POST"])
def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Staff may preview drafts; everyone else sees published posts only.
    posts = Post.objects.all() if request.user.is_staff else Post.objects.filter(published=True)
    post = get_object_or_404(posts.select_related("author"), slug=slug)
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            comment = form.save(commit=False)
            comment.post = post
            comment.save()
            messages.success(request, f"Thanks, {comment.name}: your comment is up.")
            # Post/redirect/get: a reload does not post the comment twice.
            return redirect(f"{post.get_absolute_url()}#comment-{comment.pk}")
    else:
        form = CommentForm()
    context = {"post": post, "comments": post.comments.all(), "form": form}
    return render(request, "blog/post_detail.html", context, status=400 if form.errors else 200)
