"""The differential probe as Django views: each reports what the framework saw."""

from __future__ import annotations

import gzip
import hashlib
import json

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition

BIG = b"0123456789abcdef" * (5 * 1024 * 1024 // 16)


def seen_headers(request):
    keep = ("content-type", "cookie", "accept")
    return sorted(
        [name.lower(), value]
        for name, value in request.headers.items()
        if name.lower().startswith("x-test-") or name.lower() in keep
    )


@csrf_exempt
def echo(request, rest=""):
    body = request.body
    return JsonResponse(
        {
            "method": request.method,
            "rest": rest,
            "path": request.path,
            "path_info": request.path_info,
            "script": request.META.get("SCRIPT_NAME", ""),
            "query": [[k, v] for k, values in request.GET.lists() for v in values],
            "headers": seen_headers(request),
            "body_sha": hashlib.sha256(body).hexdigest(),
            "body_len": len(body),
            "link": reverse("echo", kwargs={"rest": "x y/é"}),
            "external": request.build_absolute_uri(reverse("echo", kwargs={"rest": "z"})),
            "remote": bool(request.META.get("REMOTE_ADDR")),
        }
    )


@csrf_exempt
def form(request):
    return JsonResponse(sorted([k, v] for k, values in request.POST.lists() for v in values), safe=False)


@csrf_exempt
def upload(request):
    files = {name: [f.name, hashlib.sha256(f.read()).hexdigest()] for name, f in request.FILES.items()}
    return JsonResponse({"fields": sorted(request.POST.items()), "files": files})


@csrf_exempt
def json_body(request):
    data = json.loads(request.body)
    return JsonResponse({"received": data, "keys": sorted(data)})


def binary(request):
    return HttpResponse(bytes(range(256)) * 64, content_type="application/octet-stream")


def gzipped(request):
    payload = gzip.compress(json.dumps({"hello": "world" * 50}).encode(), mtime=0)
    response = HttpResponse(payload, content_type="application/json")
    response["Content-Encoding"] = "gzip"
    return response


def go(request):
    return HttpResponseRedirect(reverse("echo", kwargs={"rest": "target"}))


def cookies(request):
    response = HttpResponse("two cookies", content_type="text/plain")
    response.set_cookie("session", "abc", httponly=True)
    response.set_cookie("theme", "dark", expires=http_date(1893456000), path="/")
    return response


@csrf_exempt
def empty(request):
    return HttpResponse(status=204)


@condition(etag_func=lambda request: "v1")
def etag(request):
    return HttpResponse("tagged", content_type="text/plain")


def big(request):
    return HttpResponse(BIG, content_type="text/plain")


def unicode_name(request, name):
    return HttpResponse(f"hello {name}", content_type="text/plain")
