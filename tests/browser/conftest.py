"""Browser tests: the real app on a live local server, driven by headless Chromium through Playwright.

The live server has its own SQLite file (migrated, reference and demo data seeded),
whatever TEST_DATABASE_URL says: it commits for real, from several threads.
Everything here is marked slow (left out of `pytest -m "not slow"`), and skipped, with the reason, only where
Chromium is not installed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from service.demo import seed
from service.store.db import make_engine
from service.web.cli import upgrade_database
from tests.browser.live import ARTIFACTS, LiveServer
from tests.suite import suite_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = None if CHROMIUM.exists() else pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM}")
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            if skip is not None:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    # Let the page fixture know whether its test failed, to keep a screenshot of it.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from app import create_app

    folder = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{folder / 'live.sqlite3'}"
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        seed.seed_reference_data(session)
        seed.seed_demo_accounts(session)
    engine.dispose()

    app = create_app(
        suite_settings(
            database_url=database_url, upload_folder=str(folder / "uploads"), mail_folder=str(folder / "mail")
        )
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, database_url=database_url)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test (no cookies carried over), in Chinese like most users' browsers.

    Relative URLs resolve against the live server; a failing test leaves a screenshot in test-artifacts/.
    """
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        new_page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()
