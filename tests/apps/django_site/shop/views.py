from django.http import HttpResponse
from django.views import View
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import TemplateView


class ProductList(View):
    def get(self, request):
        return HttpResponse("[]")

    def post(self, request):
        return HttpResponse("{}")


class AboutPage(TemplateView):
    template_name = "about.html"


@require_http_methods(["GET", "DELETE"])
def product(request, pk):
    return HttpResponse(str(pk))


@require_GET
def archive(request, year, slug):
    return HttpResponse(slug)


def search(request):
    return HttpResponse("")
