from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path, re_path


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("shop/", include("shop.urls")),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("about/", include("shop.pages")),
    prefix_default_language=False,
)
urlpatterns += [re_path(r"^legacy/(?P<rest>.*)$", healthz, name="legacy")]
