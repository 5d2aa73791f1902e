"""``manage.py seed_blog``: a demo user and enough posts to page through, for demos and tests.

Safe to run twice: existing posts are kept, and the user only gets the password given.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from blog.models import Comment, Post

PARAGRAPH = (
    "Serverless platforms run a function per request, yet the app underneath never noticed: the "
    "bridge turns each event into a WSGI request and the response back into the event's answer."
)


class Command(BaseCommand):
    help = "Create a demo superuser and a dozen published posts (enough for three pages)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo", help="Set on the user, new or not (default: demo).")
        parser.add_argument("--posts", type=int, default=12)

    @transaction.atomic
    def handle(self, *, username: str, password: str, posts: int, **options: object) -> None:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": True, "email": f"{username}@example.com"},
        )
        user.set_password(password)
        user.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} superuser {username!r}.")

        now = timezone.now()
        added = 0
        for number in range(1, posts + 1):
            post, is_new = Post.objects.get_or_create(
                slug=f"demo-post-{number}",
                defaults={
                    "title": f"Demo post {number}",
                    "body": f"{PARAGRAPH}\n\nThis is demo post number {number}.",
                    "author": user,
                    # An hour apart, newest last, so every page of the list is predictable.
                    "created": now - timedelta(hours=posts - number + 1),
                    "published": True,
                },
            )
            if is_new:
                added += 1
                if number == 1:
                    Comment.objects.create(post=post, name="First reader", body="Nice to see this running!")
        self.stdout.write(self.style.SUCCESS(f"Added {added} posts ({posts - added} were there already)."))
