"""Knative Serving and Cloud Run (web mode): ``service.yaml`` and, in the package, a ``Dockerfile``.

The contract is plain HTTP on ``$PORT`` (knative/specs ``runtime-contract.md``; Cloud Run's
container contract, default 8080): the image runs the app's own server, gunicorn or uvicorn, on
``0.0.0.0:$PORT`` (reference/other-platforms.md §9). Only the platform's proxy reaches the
container port, so the server trusts ``X-Forwarded-*`` from any peer: that peer is always the
platform's front end. ``service.yaml`` is a ``serving.knative.dev/v1`` Service, which Cloud Run
also takes (``gcloud run services replace``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, List

from ..._errors import ConfigError
from .. import variables, yaml_out
from ._base import Target, header

if TYPE_CHECKING:
    from ..deployment import Deployment

#: The port the image listens on unless the platform sets ``PORT`` (Cloud Run's default).
DEFAULT_PORT = 8080


class Knative(Target):
    name = "knative"
    title = "Knative / Cloud Run"
    deploy_file = "service.yaml"
    python_versions = ("3.9", "3.10", "3.11", "3.12", "3.13")  # python:<version>-slim images
    memory_mb = (128, 32768, 1)
    timeout_s = (1, 3600)  # Cloud Run's request timeout maximum; Knative's default max-revision-timeout

    def gateway(self, options: object) -> str:
        return "nginx"  # one service: no gateway table is deployed

    def runtime(self, python_version: str) -> str:
        return f"python:{python_version}-slim"

    def web_interpreter(self, python_version: str) -> str:
        return "/usr/local/bin/python"  # the official python image's

    def check(self, deployment: Deployment) -> None:
        if deployment.options.mode != "web":
            raise ConfigError(
                "knative runs the app's own HTTP server on $PORT: use --mode web (no handler is called)"
            )
        if deployment.split:
            raise ConfigError(
                "a Knative or Cloud Run service has no route table to split an app with: build all-in-one "
                '(split = "all-in-one"), or route between services with your own ingress'
            )
        super().check(deployment)

    def render(self, deployment: Deployment) -> Dict[str, str]:
        function = deployment.functions[0]
        container: Dict[str, Any] = {
            # Built from the package's Dockerfile; `envsubst` fills it in (see the notes).
            "image": "${IMAGE}",
            "ports": [{"containerPort": DEFAULT_PORT}],
            "resources": {"limits": {"memory": f"{function.memory}Mi"}},
        }
        if function.environment:
            container["env"] = [
                {"name": key, "value": variables.respell(value, variables.shell_variable)}
                for key, value in function.environment.items()
            ]
        spec: Dict[str, Any] = {"timeoutSeconds": function.timeout, "containers": [container]}
        if function.concurrency:
            spec["containerConcurrency"] = function.concurrency
        document = {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": {"name": function.name.lower().replace("_", "-")},
            "spec": {"template": {"spec": spec}},
        }
        return {self.deploy_file: yaml_out.dump(document, header(deployment, self))}

    def package_files(self, deployment: Deployment) -> Dict[str, str]:
        return {"Dockerfile": dockerfile(deployment)}

    def notes(self, deployment: Deployment) -> List[str]:
        name = deployment.functions[0].name
        return [
            "knative: build and push the image, then apply the service: IMAGE=REGISTRY/"
            f"{name}:TAG; docker build -t $IMAGE code && docker push $IMAGE && "
            "envsubst < service.yaml | kubectl apply -f -",
            f"cloud run: gcloud run deploy {name} --source code (builds the Dockerfile), "
            "or gcloud run services replace with the substituted service.yaml",
        ]


def server_command(deployment: Deployment) -> str:
    """The shell command the image runs: the app's server on ``0.0.0.0:$PORT``."""
    app = f"{deployment.entry_module}:app"
    threads = max([f.concurrency or 1 for f in deployment.functions] + [8])
    if deployment.server == "uvicorn":
        return (
            'exec python -m uvicorn --host 0.0.0.0 --port "${PORT:-8080}" --proxy-headers '
            f"--forwarded-allow-ips '*' --timeout-keep-alive 620 --no-server-header {app}"
        )
    # One process, threads for concurrent requests: the platform scales by instances.
    return (
        'exec python -m gunicorn --bind "0.0.0.0:${PORT:-8080}" --workers 1 '
        f"--threads {threads} --timeout 0 --forwarded-allow-ips '*' --access-logfile - {app}"
    )


def dockerfile(deployment: Deployment) -> str:
    """The image: the package (app, faas-bridge, dependencies built for the runtime) on python-slim."""
    command = json.dumps(["/bin/sh", "-c", server_command(deployment)])
    return (
        f"# Generated by faas-bridge for {deployment.name} (Knative / Cloud Run, web mode):\n"
        "# do not edit, run `bridge build --platform knative --mode web` again.\n"
        f"FROM python:{deployment.python_version}-slim\n"
        "WORKDIR /app\n"
        "COPY . /app\n"
        f"ENV PYTHONUNBUFFERED=1 PYTHONPATH=/app PORT={DEFAULT_PORT}\n"
        f"EXPOSE {DEFAULT_PORT}\n"
        f"CMD {command}\n"
    )
