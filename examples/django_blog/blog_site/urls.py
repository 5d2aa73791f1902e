"""The project's URLs. Every link is built with {% url %} or reverse(), so the whole site follows
the mount prefix (SCRIPT_NAME) a gateway stage adds."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # login/ and logout/ (POST only since Django 5), plus the password change pages.
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("blog.urls")),
]
