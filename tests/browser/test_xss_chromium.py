"""The stored-XSS corpus of tests/security/test_xss.py in real Chromium: on every page each role can open,
no dialog fires, and the DOM holds no inline script, injected element, event handler or javascript: link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests import factories
from tests.browser.live import LiveServer
from tests.security.test_xss import get_pages, newest_ids, poison
from tests.security.world import build_world

CHECK_DOM = """() => {
  const handlers = [...document.querySelectorAll('*')].filter(
      e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on')));
  return {
    inlineScripts: document.querySelectorAll('script:not([src])').length,
    injected: document.querySelectorAll('img[src="x"], svg[onload]').length,
    handlers: handlers.length,
    jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
  };
}"""
NOT_PAGES = ("export", "_csv", "invitation", "download", "workbook")


@dataclass
class Poisoned:
    emails: dict[str, str]
    values: dict[str, object]


@pytest.fixture(scope="module")
def poisoned(live_server: LiveServer) -> Poisoned:
    """A's world on the shared live server, its own rows (and only those) full of payloads."""
    with live_server.session() as session:
        before = newest_ids(session)
        world = build_world(session, live_server.settings.upload_folder)
        found = Poisoned({role: user.email for role, user in world.users.items()}, world.converter_values())
        poison(session, since=before)
    return found


@pytest.mark.parametrize("role", ["enterprise_a", "director_x", "admin"])  # directors see every desk page too
def test_chromium_runs_no_injected_script_on_any_page(
    live_server: LiveServer, poisoned: Poisoned, page: Any, role: str
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/login")
    page.fill("input[name=email]", poisoned.emails[role])
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    findings, seen = [], 0
    for endpoint, path in get_pages(live_server.app, poisoned.values, reflected=False):
        if path.startswith("/api/") or endpoint.endswith(NOT_PAGES) or endpoint.startswith(("auth.", "two_factor.")):
            continue
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        seen += 1
        dom = page.evaluate(CHECK_DOM)
        if any(dom.values()):
            findings.append(f"{path[:80]}: {dom}")
    assert dialogs == [], f"a dialog opened: {dialogs}"
    assert findings == [], "\n".join(findings)
    assert seen >= 10, f"only {seen} pages were open to {role}"
