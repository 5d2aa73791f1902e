"""A user's whole visit to the todo app, as a function any HTTP transport can drive.

``run_journey(client)`` needs only an :class:`httpx.Client` whose ``base_url`` is where the app is
mounted, prefix included (``http://127.0.0.1:9000/release``). It asserts as it goes. Paths it
writes itself are relative to ``base_url``; every other URL (links, form actions, redirects, the
``Location`` of a created todo) is the one the app generated, so a wrong mount prefix shows up as a
failure here. It never touches the app in-process, so the same journey runs against a real server,
a WSGI mount under a prefix, or a function behind the local gateway emulator.
"""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

import httpx


def run_journey(client: httpx.Client) -> None:
    """Drive the HTML pages, then the JSON API, then static files and /health."""
    # Unique titles let the journey run again and again against one database.
    run = uuid.uuid4().hex[:8]
    _journey_through_pages(client, run)
    _journey_through_api(client, run)
    _static_files_and_health(client)


def _journey_through_pages(client: httpx.Client, run: str) -> None:
    home = _get_page(client, client.base_url)

    # Add a todo through the form: post, redirect, flash. The emoji is four bytes in UTF-8, which
    # a MySQL table or connection in its three-byte `utf8` would refuse.
    title = f"Buy milk \U0001f95b {run}"
    home = _submit(client, home.form("add-todo"), {"title": title})
    assert f"Added “{title}”." in home.flashes, home.flashes
    todo = home.todo(title)
    assert not todo.done

    # A blank title is refused with an error flash and adds nothing.
    before = len(home.todos)
    home = _submit(client, home.form("add-todo"), {"title": "   "})
    assert any("title must not be blank" in flash for flash in home.flashes), home.flashes
    assert len(home.todos) == before

    # Edit it: the form shows the current title, saving shows the new one.
    edit_page = _get_page(client, todo.links["edit"])
    assert edit_page.form("edit-todo").fields["title"] == title
    new_title = f"Buy oat milk {run}"
    home = _submit(client, edit_page.form("edit-todo"), {"title": new_title})
    assert f"Saved “{new_title}”." in home.flashes, home.flashes
    todo = home.todo(new_title)
    assert title not in {item.title for item in home.todos.values()}

    # Complete it; the JSON API sees the same todo in the same state.
    home = _submit(client, todo.forms["toggle"])
    assert f"Completed “{new_title}”." in home.flashes, home.flashes
    todo = home.todo(new_title)
    assert todo.done
    as_json = _expect_json(client.get(f"/api/todos/{todo.id}"), 200)
    assert as_json["title"] == new_title and as_json["done"] is True, as_json

    # The "Done" tab lists it, the "Open" tab does not.
    assert new_title in _get_page(client, home.filter_links["Done"]).titles()
    assert new_title not in _get_page(client, home.filter_links["Open"]).titles()

    # Delete it.
    home = _submit(client, todo.forms["delete"])
    assert f"Deleted “{new_title}”." in home.flashes, home.flashes
    assert new_title not in home.titles()
    _expect_json(client.get(f"/api/todos/{todo.id}"), 404)


def _journey_through_api(client: httpx.Client, run: str) -> None:
    # Create two todos; each answer says where the new todo lives.
    report = _expect_json(client.post("/api/todos", json={"title": f"Write report {run}"}), 201)
    assert report["done"] is False, report
    # The same form on every database: ISO 8601 in UTC, to the microsecond where one was stored.
    assert report["created_at"].endswith("+00:00"), report
    created = client.post("/api/todos", json={"title": f"Ship it {run}", "done": True})
    ship = _expect_json(created, 201)
    assert _expect_json(client.get(_resolve(client, created.headers["location"])), 200) == ship

    # List, and filter on done.
    listed_ids = {todo["id"] for todo in _expect_json(client.get("/api/todos"), 200)["todos"]}
    assert {report["id"], ship["id"]} <= listed_ids
    done_ids = {todo["id"] for todo in _expect_json(client.get("/api/todos?done=1"), 200)["todos"]}
    open_todos = _expect_json(client.get("/api/todos", params={"done": "0"}), 200)["todos"]
    open_ids = {todo["id"] for todo in open_todos}
    assert ship["id"] in done_ids and ship["id"] not in open_ids
    assert report["id"] in open_ids and report["id"] not in done_ids

    # PATCH changes what it names; PUT replaces the whole todo.
    url = f"/api/todos/{report['id']}"
    patched = _expect_json(client.patch(url, json={"done": True}), 200)
    assert patched["done"] is True and patched["title"] == report["title"], patched
    put = _expect_json(client.put(url, json={"title": f"Write final report {run}", "done": False}), 200)
    assert put["title"] == f"Write final report {run}" and put["done"] is False, put
    assert _expect_json(client.get(url), 200) == put

    # What the API refuses, and how: always JSON with an "error".
    _expect_error(client.post("/api/todos", json={}), 422, "title")
    _expect_error(client.post("/api/todos", json={"title": "  "}), 422, "blank")
    _expect_error(client.post("/api/todos", json={"title": "x" * 201}), 422, "at most 200")
    _expect_error(client.post("/api/todos", json={"title": "x", "done": "yes"}), 422, "done")
    _expect_error(client.post("/api/todos", json={"title": "x", "colour": "red"}), 422, "colour")
    _expect_error(client.post("/api/todos", json=["not", "an", "object"]), 400, "JSON object")
    not_json = client.post("/api/todos", content=b"title=x", headers={"content-type": "application/json"})
    _expect_error(not_json, 400, "JSON object")
    _expect_error(client.put(url, json={"title": "no done flag"}), 422, "done")
    _expect_error(client.get("/api/todos?done=maybe"), 400, "done")
    _expect_error(client.get("/api/todos/999999999"), 404, "999999999")
    _expect_error(client.patch("/api/todos/999999999", json={"done": True}), 404, "999999999")
    wrong_method = client.delete("/api/todos")
    _expect_error(wrong_method, 405, "")
    assert "GET" in wrong_method.headers.get("allow", ""), wrong_method.headers

    # Delete both; they are gone.
    for todo in (report, ship):
        deleted = client.delete(f"/api/todos/{todo['id']}")
        assert deleted.status_code == 204 and deleted.content == b"", deleted
        _expect_error(client.get(f"/api/todos/{todo['id']}"), 404, str(todo["id"]))


def _static_files_and_health(client: httpx.Client) -> None:
    home = _get_page(client, client.base_url)
    assert home.stylesheets and home.scripts, "the layout links a stylesheet and a script"
    css = client.get(_resolve(client, home.stylesheets[0]))
    assert css.status_code == 200, css
    assert css.headers["content-type"].startswith("text/css"), css.headers
    assert b".todo" in css.content
    script = client.get(_resolve(client, home.scripts[0]))
    assert script.status_code == 200, script
    assert "javascript" in script.headers["content-type"], script.headers

    health = _expect_json(client.get(_resolve(client, home.nav_links["Health"])), 200)
    assert health == {"status": "ok", "database": "ok"}, health
    assert _expect_json(client.get("/health"), 200) == health


# -- HTTP -------------------------------------------------------------------------------------


def _resolve(client: httpx.Client, url: str | httpx.URL) -> httpx.URL:
    # App URLs are absolute paths that already carry the mount prefix, so they resolve against
    # the server root; httpx would otherwise glue them onto base_url and double the prefix.
    return client.base_url.join(url)


def _get_page(client: httpx.Client, url: str | httpx.URL) -> _Page:
    response = client.get(_resolve(client, url))
    assert response.status_code == 200, (response, response.text[:500])
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return _Page(response.text)


def _submit(client: httpx.Client, form: _Form, values: dict[str, str] | None = None) -> _Page:
    """Post ``form`` as a browser would and follow the See Other to the page it names."""
    response = client.post(_resolve(client, form.action), data={**form.fields, **(values or {})})
    assert response.status_code == 303, (response, response.text[:500])
    return _get_page(client, response.url.join(response.headers["location"]))


def _expect_json(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, (response, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return response.json()


def _expect_error(response: httpx.Response, status: int, mentions: str) -> None:
    error = _expect_json(response, status)
    assert isinstance(error.get("error"), str) and mentions in error["error"], error


# -- HTML -------------------------------------------------------------------------------------


class _Form:
    def __init__(self, action: str) -> None:
        self.action = action
        self.fields: dict[str, str] = {}


class _TodoItem:
    def __init__(self, todo_id: str, done: bool) -> None:
        self.id = todo_id
        self.done = done
        self.title = ""
        self.links: dict[str, str] = {}  # by class: "edit"
        self.forms: dict[str, _Form] = {}  # by class: "toggle", "delete"


class _Page(HTMLParser):
    """What a user sees and acts on in one page of the todo app."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.flashes: list[str] = []
        self.todos: dict[str, _TodoItem] = {}  # by id, in page order
        self.forms: dict[str, _Form] = {}  # by id: "add-todo", "edit-todo"
        self.filter_links: dict[str, str] = {}  # by text: "All", "Open", "Done"
        self.nav_links: dict[str, str] = {}  # by text: "JSON API", "Health"
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self._item: _TodoItem | None = None
        self._form: _Form | None = None
        self._nav: dict[str, str] | None = None
        self._href: str | None = None
        self._text: list[str] | None = None  # collects the text of a title, flash or link
        self.feed(html)
        self.close()

    def todo(self, title: str) -> _TodoItem:
        matches = [item for item in self.todos.values() if item.title == title]
        assert len(matches) == 1, f"expected one todo titled {title!r}, found {self.titles()}"
        return matches[0]

    def titles(self) -> list[str]:
        return [item.title for item in self.todos.values()]

    def form(self, form_id: str) -> _Form:
        assert form_id in self.forms, f"no form #{form_id} in the page, only {sorted(self.forms)}"
        return self.forms[form_id]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value or "" for name, value in attrs}
        classes = attributes.get("class", "").split()
        if tag == "li" and "todo" in classes:
            self._item = _TodoItem(attributes["data-todo-id"], done="done" in classes)
            self.todos[self._item.id] = self._item
        elif tag == "nav":
            self._nav = self.filter_links if "filters" in classes else self.nav_links
        elif tag == "form":
            self._form = _Form(attributes.get("action", ""))
            if self._item is not None:
                self._item.forms[classes[0]] = self._form
            if "id" in attributes:
                self.forms[attributes["id"]] = self._form
        elif tag == "input" and self._form is not None and attributes.get("name"):
            self._form.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "a" and self._item is not None:
            self._item.links[classes[0]] = attributes["href"]
        elif tag == "a" and self._nav is not None:
            self._href, self._text = attributes["href"], []
        elif "todo-title" in classes or "flash" in classes:
            self._text = []
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._text is not None:
            # Titles, flashes and links hold text only, so the first end tag closes them.
            text = " ".join("".join(self._text).split())
            if self._href is not None and self._nav is not None:
                self._nav[text] = self._href
            elif self._item is not None:
                self._item.title = text
            else:
                self.flashes.append(text)
            self._text = self._href = None
        elif tag == "li":
            self._item = None
        elif tag == "form":
            self._form = None
        elif tag == "nav":
            self._nav = None
