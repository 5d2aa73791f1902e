from django.urls import include, path, re_path

from . import views

app_name = "shop"

products = [
    path("", views.ProductList.as_view(), name="list"),
    path("<int:pk>/", views.product, name="detail"),
]

urlpatterns = [
    path("products/", include((products, "products"))),
    re_path(r"^archive/(?P<year>[0-9]{4})/(?P<slug>[-\w]+)/$", views.archive, name="archive"),
    path("search", views.search),
]
