"""A writer's and a reader's visit to the blog, as a function any HTTP transport can drive.

``run_journey(client, username=..., password=...)`` needs an :class:`httpx.Client` whose
``base_url`` is where the site is mounted, prefix included (``http://127.0.0.1:9000/release``), and
a staff user (``manage.py seed_blog`` makes one). It asserts as it goes. It types no path but the
site's root: every other URL is a link, form action or redirect the site generated, so a wrong
mount prefix shows up as a failure. Forms are posted the way a browser posts them: the CSRF token
from the page, the ``csrftoken`` cookie, and the ``Origin`` and ``Referer`` headers. Posts and
comments get unique titles, so the journey can run again on the same database.

Django accepts a post whose Origin is the scheme and host the *app* sees. ``bridge serve`` shows
the app the scheme and host the client used, stage or not; behind a proxy that tells the app
another one (HTTPS, or another domain, while the client talks plain HTTP to 127.0.0.1), add the
client's origin to ``DJANGO_CSRF_TRUSTED_ORIGINS`` (``http://127.0.0.1:9000``), as a browser user
would have to.
"""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

import httpx


def run_journey(client: httpx.Client, *, username: str, password: str) -> None:
    """Log in, write a post in the admin, comment on it, page through the list, log out."""
    run = uuid.uuid4().hex[:8]
    home = _get(client, client.base_url)
    _static_css_is_served(client, home)

    home = _log_in(client, home, username, password)
    # The emoji is four bytes in UTF-8, which a MySQL table in its three-byte `utf8` would refuse.
    title = f"Notes from the edge \U0001f30a {run}"
    _write_post_in_admin(client, home, title, slug=f"notes-from-the-edge-{run}")

    home = _get(client, client.base_url)
    post = _get(client, home.link(text=title))
    assert title in post.text and "No comments yet." in post.text, post.text[:500]
    _comment(client, post, name=f"Reader {run}", body=f"Great post! ({run})")

    _paginate(client, home, newest_title=title)
    _log_out(client, home)


def _static_css_is_served(client: httpx.Client, page: _Page) -> None:
    assert page.stylesheets, "the base layout links a stylesheet"
    css = client.get(page.resolve(page.stylesheets[0]))
    assert css.status_code == 200, css
    assert css.headers["content-type"].startswith("text/css"), css.headers
    assert b"header.site" in css.content


def _log_in(client: httpx.Client, home: _Page, username: str, password: str) -> _Page:
    login = _get(client, home.link(text="Log in"))
    form = login.form("login-form")
    assert form.fields.get("csrfmiddlewaretoken"), "the login form carries a CSRF token"
    assert client.cookies.get("csrftoken"), "the login page sets the csrftoken cookie"

    # A wrong password shows the form again, with an error.
    refused = _post(client, login, form, {"username": username, "password": password + "-wrong"})
    assert refused.status_code == 200 and "didn't match" in refused.text, refused

    login = _get(client, home.link(text="Log in"))
    credentials = {"username": username, "password": password}
    landing = _follow(client, _post(client, login, login.form("login-form"), credentials))
    assert f"Signed in as {username}" in landing.text, landing.text[:500]
    assert "logout-form" in landing.forms
    return landing


def _write_post_in_admin(client: httpx.Client, home: _Page, title: str, slug: str) -> None:
    admin = _get(client, home.link(text="Admin"))
    add_page = _get(client, admin.link(href_contains="/blog/post/add/"))
    form = add_page.form("post_form")
    assert form.fields.get("author"), "the admin preselects the writer as author"
    values = {
        "title": title,
        "slug": slug,
        "body": "Written through the admin.\n\nServed by a function.",
        "published": "on",
        "_save": "Save",
    }
    changelist = _follow(client, _post(client, add_page, form, values))
    assert "was added successfully" in changelist.text, changelist.text[:1000]
    assert title in changelist.text


def _comment(client: httpx.Client, post: _Page, *, name: str, body: str) -> None:
    form = post.form("comment-form")

    # CSRF protection is on: the same post without its token is refused.
    without_token = {key: value for key, value in form.fields.items() if key != "csrfmiddlewaretoken"}
    typed = {"name": name, "body": body}
    forged = client.post(post.resolve(form.action), data={**without_token, **typed}, headers=_sent_from(post))
    assert forged.status_code == 403, forged

    # A comment without a body is refused, with the form shown again.
    invalid = _post(client, post, form, {"name": name, "body": ""})
    assert invalid.status_code == 400 and "This field is required." in invalid.text, invalid

    post = _get(client, post.url)
    after = _follow(client, _post(client, post, post.form("comment-form"), {"name": name, "body": body}))
    assert f"Thanks, {name}" in after.text, after.text[:500]
    assert body in after.text and "Comments (1)" in after.text, after.text[:2000]


def _paginate(client: httpx.Client, home: _Page, *, newest_title: str) -> None:
    page_one = _get(client, home.url)
    titles_one = page_one.post_titles()
    assert len(titles_one) == 5 and titles_one[0] == newest_title, titles_one
    page_two = _get(client, page_one.link(rel="next"))
    titles_two = page_two.post_titles()
    assert titles_two and not set(titles_two) & set(titles_one), (titles_one, titles_two)
    back = _get(client, page_two.link(rel="prev"))
    assert back.post_titles() == titles_one


def _log_out(client: httpx.Client, home: _Page) -> None:
    page = _get(client, home.url)
    landing = _follow(client, _post(client, page, page.form("logout-form"), {}))
    assert "Log in" in landing.links_by_text and "logout-form" not in landing.forms, landing.text[:500]
    # The admin no longer lets us in: it sends us to its login page.
    admin = client.get(page.resolve(page.link(text="Admin")))
    assert admin.status_code == 302 and "login" in admin.headers["location"], admin


# -- HTTP -------------------------------------------------------------------------------------


def _get(client: httpx.Client, url: str | httpx.URL) -> _Page:
    # Site URLs are absolute paths that already carry the mount prefix; joining them to base_url
    # resolves them from the server root, where httpx's own merge would add the prefix twice.
    response = client.get(client.base_url.join(url))
    assert response.status_code == 200, (response, response.text[:500])
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return _Page(response)


def _post(client: httpx.Client, page: _Page, form: _Form, values: dict[str, str]) -> httpx.Response:
    """Submit ``form`` of ``page`` as a browser would: its own fields, with ``values`` typed in."""
    return client.post(page.resolve(form.action), data={**form.fields, **values}, headers=_sent_from(page))


def _sent_from(page: _Page) -> dict[str, str]:
    # What a browser adds to a form post, and what Django's CSRF check reads besides the token:
    # Origin when present, else, over HTTPS, the Referer.
    return {"origin": f"{page.url.scheme}://{page.url.netloc.decode('ascii')}", "referer": str(page.url)}


def _follow(client: httpx.Client, response: httpx.Response) -> _Page:
    assert response.status_code == 302, (response, response.text[:500])
    return _get(client, response.url.join(response.headers["location"]))


# -- HTML -------------------------------------------------------------------------------------


class _Form:
    def __init__(self, action: str) -> None:
        self.action = action
        self.fields: dict[str, str] = {}


class _Page(HTMLParser):
    """One page as a browser sees it: forms with their current values, links, text."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(convert_charrefs=True)
        self.url = response.url
        self.text = response.text
        self.forms: dict[str, _Form] = {}  # by id
        self.links: list[dict[str, str]] = []  # the attributes of each <a>, plus its "text"
        self.stylesheets: list[str] = []
        self._form: _Form | None = None
        self._select: str | None = None  # name of the <select> being read
        self._first_option = False
        self._textarea: str | None = None  # name of the <textarea> being read
        self._link: dict[str, str] | None = None
        self._post_title: list[str] | None = None
        self._post_titles: list[str] = []
        self._in_post_heading = False
        self.feed(response.text)
        self.close()

    @property
    def links_by_text(self) -> dict[str, str]:
        return {link["text"]: link.get("href", "") for link in self.links}

    def resolve(self, url: str) -> httpx.URL:
        # An empty action means "this page", as in the admin's forms.
        return self.url.join(url) if url else self.url

    def form(self, form_id: str) -> _Form:
        assert form_id in self.forms, f"no form #{form_id} on {self.url}, only {sorted(self.forms)}"
        return self.forms[form_id]

    def link(
        self, *, text: str | None = None, rel: str | None = None, href_contains: str | None = None
    ) -> str:
        """The href of the one link with this text, rel, or piece of href."""
        matches = [
            link["href"]
            for link in self.links
            if (text is None or link["text"] == text)
            and (rel is None or link.get("rel") == rel)
            and (href_contains is None or href_contains in link.get("href", ""))
        ]
        assert len(set(matches)) == 1, (
            f"expected one link {text or rel or href_contains!r} on {self.url}: {matches}"
        )
        return matches[0]

    def post_titles(self) -> list[str]:
        """Titles of the posts listed on the page, in order."""
        return list(self._post_titles)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self._form = _Form(attributes.get("action", ""))
            self.forms[attributes.get("id", f"form-{len(self.forms)}")] = self._form
        elif tag == "input" and self._form is not None and attributes.get("name"):
            kind = attributes.get("type", "text").lower()
            # Submit buttons count only when clicked; boxes only when ticked (the caller says so).
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._form.fields[attributes["name"]] = attributes.get(
                "value", "on" if kind == "checkbox" else ""
            )
        elif tag == "textarea" and self._form is not None:
            self._textarea = attributes.get("name")
            self._form.fields[self._textarea] = ""
        elif tag == "select" and self._form is not None:
            self._select = attributes.get("name")
            self._first_option = True
        elif tag == "option" and self._select is not None and self._form is not None:
            # A browser sends the selected option, or the first one when none is selected.
            if "selected" in attributes or self._first_option:
                self._form.fields[self._select] = attributes.get("value", "")
            self._first_option = False
        elif tag == "a" and "href" in attributes:
            self._link = {**attributes, "text": ""}
            self.links.append(self._link)
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])
        elif tag == "article" and "post" in attributes.get("class", "").split():
            self._in_post_heading = True
        elif tag == "h2" and self._in_post_heading:
            self._post_title = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            self._form.fields[self._textarea] += data
        if self._link is not None:
            self._link["text"] += data
        if self._post_title is not None:
            self._post_title.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._form is not None and self._textarea is not None:
            # Browsers drop the newline that may follow <textarea>, and Django writes one.
            value = self._form.fields[self._textarea]
            self._form.fields[self._textarea] = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "a" and self._link is not None:
            self._link["text"] = " ".join(self._link["text"].split())
            self._link = None
        elif tag == "h2" and self._post_title is not None:
            self._post_titles.append(" ".join("".join(self._post_title).split()))
            self._post_title = None
            self._in_post_heading = False
