"""In Chromium: the provincial director opens the monthly report (月报) of the demo month, picks another month, and
prints it to PDF on A4: only the report, its title and month heading every page; screenshots and the printed
pages (as PNG, where poppler's pdftoppm is installed) in Chinese and English go to test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from service.demo.seed_requests import seed_demo_requests
from service.models.base import utcnow
from service.queries.monthly_report import default_month
from tests.browser.live import ARTIFACTS, LiveServer, sign_in

pytestmark = pytest.mark.browser
# A4 in PostScript points, as Chromium writes the page's box.
A4_BOX = re.compile(rb"/MediaBox \[0 0 595\.9\d* 842\.8\d*\]")


def _display(page: Any, selector: str) -> str:
    return str(page.locator(selector).first.evaluate("element => getComputedStyle(element).display"))


def _print(page: Any, name: str) -> bytes:
    """The page printed to PDF on A4, kept with its pages as PNG images."""
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(format="A4", print_background=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), str(ARTIFACTS / name)], check=True)
    return bytes(pdf)


def test_the_director_prints_the_demo_months_report(page: Any, live_server: LiveServer) -> None:
    with live_server.session() as session:
        seed_demo_requests(session, live_server.settings.desk)
    month = default_month(utcnow())
    sign_in(page, "director@demo.jl.gov.cn")
    page.goto("/reports/monthly")
    assert page.locator("#month").input_value() == str(month)
    assert page.locator(".report-case").count() >= 1  # the demo month's typical case
    assert page.locator("[data-print]").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)

    titles = {"zh": f"{month.year}年{month.first_day.month}月月报", "en": f"Monthly report, {month.first_day:%B %Y}"}
    for language in ("zh", "en"):
        assert page.locator("h1").inner_text() == titles[language]
        page.screenshot(path=str(ARTIFACTS / f"monthly-report-{language}.png"), full_page=True)
        page.emulate_media(media="print")
        assert _display(page, ".site-header") == "none" and _display(page, "form.filters") == "none"
        assert _display(page, ".report-running-head") == "table-header-group"
        assert _display(page, "table.report-rates thead") == "table-header-group"
        pdf = _print(page, f"monthly-report-{language}-print")
        assert A4_BOX.search(pdf), "not printed on A4"
        page.emulate_media(media="screen")
        page.locator("form.lang button").click()
        page.wait_for_load_state()

    earlier = month.previous()
    page.fill("#month", str(earlier))
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert f"month={earlier}" in page.url
    assert page.locator("h1").inner_text() == f"{earlier.year}年{earlier.first_day.month}月月报"
