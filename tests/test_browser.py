"""A real browser through the local FC 3.0 gateway: the todo page renders with its stylesheet, and
its forms, redirects and flash messages (a session cookie) work as a user clicks through them.

Headless Chromium from the system (Debian's ``chromium``, which ``.ci/run`` installs) driven by
Playwright for Python; Playwright's own browser downloads are never used. Skipped, saying why, only
when either is missing. The final page is saved to ``test-artifacts/todo-fc.png``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _serving import ROOT, bridge_serve, child_env

TODO = ROOT / "examples" / "flask_todo"
SCREENSHOT = ROOT / "test-artifacts" / "todo-fc.png"
CHROMIUM = "/usr/bin/chromium"
# No sandbox (CI runs as root in a container), nothing fetched from Google's services, no QUIC.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


def _chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(f"Chromium is not installed ({CHROMIUM}; `apt-get install chromium`)")
    return found


def test_todo_page_in_a_browser_through_the_fc_gateway(tmp_path: Path) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (`pip install playwright`)"
    )
    executable = _chromium()
    env = child_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'todo.sqlite3'}"})
    title = "Water the plants"
    serve = ("index:handler", "--chdir", str(TODO), "--platform", "fc")
    with bridge_serve(*serve, env=env) as gateway, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 600})
            page.set_default_timeout(TIMEOUT_MS)
            expect = sync_api.expect
            page.goto(gateway.url + "/")
            expect(page.locator("p.empty")).to_have_text("Nothing to do.")

            # Add a todo through the form: POST, 303 to the list, a flash from the session cookie.
            page.fill("#add-todo input[name=title]", title)
            page.click("#add-todo button[type=submit]")
            item = page.locator("li.todo", has_text=title)
            expect(item).to_have_count(1)
            expect(page.locator(".flash-success")).to_have_text(f"Added “{title}”.")

            # Complete it: the item is marked done, and the stylesheet (served through the gateway
            # as text/css) strikes it through.
            item.locator("form.toggle button").click()
            expect(page.locator(".flash-success")).to_have_text(f"Completed “{title}”.")
            expect(item).to_have_class("todo done")
            title_span = item.locator(".todo-title")
            decoration = title_span.evaluate("node => getComputedStyle(node).textDecorationLine")
            assert decoration == "line-through", "style.css did not apply"
            expect(item.locator("form.toggle button")).to_have_text("Reopen")

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
