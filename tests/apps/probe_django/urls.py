from django.urls import path

from . import views

urlpatterns = [
    path("echo", views.echo),
    path("echo/<path:rest>", views.echo, name="echo"),
    path("form", views.form),
    path("upload", views.upload),
    path("json", views.json_body),
    path("binary", views.binary),
    path("gzip", views.gzipped),
    path("redirect", views.go),
    path("cookies", views.cookies),
    path("empty", views.empty),
    path("etag", views.etag),
    path("big", views.big),
    path("unicode/<str:name>", views.unicode_name),
]
