"""`Bridge(app, manage=True)`: the event `bridge manage` sends runs the app's own command line.

Flask commands run through Flask's own test CLI runner, Django's through ``call_command`` (in a
subprocess: Django is configured once per process). The command's output and exit code come back
as ``{"exit_code": n, "output": "..."}``; without ``manage`` the event is an unknown event.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import click
import pytest
from _support import load_event
from flask import Flask

from bridge import Bridge
from bridge.cloud.provider import MANAGE_EVENT_KEY
from bridge.split.guard import guard


def flask_app() -> Flask:
    app = Flask("manage_probe")

    @app.route("/")
    def index() -> str:
        return "home"

    @app.cli.command("greet")
    @click.argument("name")
    @click.option("--shout", is_flag=True)
    def greet(name: str, shout: bool) -> None:
        click.echo(("HELLO " + name.upper()) if shout else f"hello {name}")
        click.echo("to stderr", err=True)

    @app.cli.command("refuse")
    def refuse() -> None:
        raise click.ClickException("the database is not reachable")

    @app.cli.command("crash")
    def crash() -> None:
        raise RuntimeError("boom in the command")

    @app.cli.command("where")
    def where() -> None:
        from flask import current_app

        click.echo(current_app.name)  # runs inside the app context

    return app


def manage(*argv: str) -> dict:
    return {MANAGE_EVENT_KEY: {"argv": list(argv)}}


def test_a_flask_command_runs_with_its_arguments_and_output() -> None:
    handler = Bridge(flask_app(), manage=True)
    result = handler(manage("greet", "ada", "--shout"), None)
    assert result["exit_code"] == 0
    assert "HELLO ADA" in result["output"] and "to stderr" in result["output"]
    assert handler(manage("where"), None) == {"exit_code": 0, "output": "manage_probe\n"}


def test_flask_failures_come_back_as_exit_codes() -> None:
    handler = Bridge(flask_app(), manage=True)
    refused = handler(manage("refuse"), None)
    assert refused["exit_code"] == 1 and "Error: the database is not reachable" in refused["output"]
    crashed = handler(manage("crash"), None)
    assert crashed["exit_code"] == 1
    assert "RuntimeError: boom in the command" in crashed["output"] and "Traceback" in crashed["output"]
    unknown = handler(manage("nope"), None)
    assert unknown["exit_code"] == 2 and "No such command 'nope'" in unknown["output"]


def test_the_event_works_as_fc_sends_it_as_bytes() -> None:
    handler = Bridge(flask_app(), manage=True)
    assert handler(json.dumps(manage("greet", "x")).encode(), None)["output"].startswith("hello x")


def test_without_manage_the_event_is_rejected_like_any_unknown_event() -> None:
    handler = Bridge(flask_app())
    answer = handler(manage("greet", "ada"), None)
    assert "exit_code" not in answer
    assert answer == handler({"something": {"else": 1}}, None) or answer["statusCode"] == 400
    assert "not an HTTP event" in json.dumps(answer)


def test_a_malformed_manage_event_is_a_usage_error() -> None:
    handler = Bridge(flask_app(), manage=True)
    for event in (
        {MANAGE_EVENT_KEY: {}},
        {MANAGE_EVENT_KEY: {"argv": "init-db"}},
        {MANAGE_EVENT_KEY: {"argv": []}},
    ):
        result = handler(event, None)
        assert result["exit_code"] == 2 and '"argv"' in result["output"]


def test_http_events_are_served_as_before_with_manage_on() -> None:
    handler = Bridge(flask_app(), manage=True)
    event = load_event("aws-http-v2")
    event["rawPath"], event["requestContext"]["http"]["path"] = "/", "/"
    event["requestContext"]["http"]["method"] = "GET"
    response = handler(event, None)
    assert response["statusCode"] == 200 and response["body"] == "home"


def test_a_split_function_runs_commands_of_the_app_behind_its_route_guard() -> None:
    app = flask_app()
    function = SimpleNamespace(name="todo-api", routes=[], catch_all=False)
    handler = Bridge(guard(app, function), manage=True)
    assert handler(manage("greet", "bob"), None)["output"].startswith("hello bob")


def test_manage_fn_runs_any_command_line() -> None:
    seen = []

    def run(argv):
        seen.append(argv)
        print("ran", *argv)
        return 3

    handler = Bridge(lambda environ, start_response: [], manage=run)
    assert handler(manage("a", "b"), None) == {"exit_code": 3, "output": "ran a b\n"}
    assert seen == [["a", "b"]]


def test_an_app_without_a_known_command_line_says_so() -> None:
    handler = Bridge(lambda environ, start_response: [], manage=True)
    result = handler(manage("migrate"), None)
    assert result["exit_code"] == 2 and "manage=fn" in result["output"]


_DJANGO = textwrap.dedent(
    """
    import json, sys
    import django
    from django.conf import settings
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
        ROOT_URLCONF=[],
        SECRET_KEY="test",
    )
    from django.core.wsgi import get_wsgi_application
    from bridge import Bridge
    from bridge.cloud.provider import MANAGE_EVENT_KEY

    handler = Bridge(get_wsgi_application(), manage=True)
    answers = [handler({MANAGE_EVENT_KEY: {"argv": argv}}, None) for argv in json.loads(sys.argv[2])]
    print(json.dumps(answers))
    """
)


def test_django_management_commands_run_through_call_command(tmp_path) -> None:
    pytest.importorskip("django")
    commands = [["migrate", "--noinput"], ["showmigrations", "auth"], ["nosuchcommand"], ["check"]]
    result = subprocess.run(
        [sys.executable, "-c", _DJANGO, str(tmp_path / "db.sqlite3"), json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    migrate, show, unknown, check = json.loads(result.stdout)
    assert migrate["exit_code"] == 0 and "Applying auth.0001_initial... OK" in migrate["output"]
    assert show["exit_code"] == 0 and "[X] 0001_initial" in show["output"]
    assert unknown == {"exit_code": 1, "output": "CommandError: Unknown command: 'nosuchcommand'\n"}
    assert check["exit_code"] == 0 and "System check identified no issues" in check["output"]
