"""The ranking page (三率排名): who sees which units, its formulas in both languages, the list behind a number,
and a period it cannot read."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.director_support import november_cases, station_id
from tests.factories import People
from tests.suite import login
from tests.web_requests_support import EN

ZH = {"Accept-Language": "zh"}
NOVEMBER = "/director/rates/?period=2026-11"


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_provincial_director_ranks_the_sub_stations_with_each_formula_beside_it(
    client: FlaskClient, session: Session, people: People
):
    november_cases(session, people)
    login(client, people.hub_director)
    page = client.get(NOVEMBER, headers=EN)
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    assert "Rates and ranking · November 2026" in text
    assert "Changchun New District" in text and "Tonghua" in text and "Whole network" in text
    # Ranked by the on-time closure rate by default, and told so; each formula in the legend.
    assert "Ranked by: On-time closure rate = requests closed by their due date" in text
    assert "On-time closure rate = requests closed by their due date" in text
    assert "Satisfaction rate = (very satisfied + satisfied + basically satisfied) ÷ requests visited" in text
    # JL-CCND closed 2 of 3 on time; the network's row adds the stations up.
    assert "66.7% 2 / 3" in text
    zh = _text(client.get(NOVEMBER, headers=ZH).get_data(as_text=True))
    assert "三率排名 · 2026年11月" in zh
    for term in ("响应率", "按时办结率", "解决率", "满意率", "退回率", "重办率", "延期率", "全网"):
        assert term in zh
    assert "按时办结率 = " in zh


def test_the_best_and_the_bottom_are_marked_with_words(client: FlaskClient, session: Session, people: People):
    november_cases(session, people)
    login(client, people.hub_director)
    html = client.get(NOVEMBER + "&by=response", headers=EN).get_data(as_text=True)
    rows = {_text(row): row for row in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if "rank-" in row.split(">")[0]}
    # CCND answered 3 of 4 in time, Tonghua none of 1: two units ranked, the better one marked best.
    assert any(text.startswith("1 Best Changchun New District") for text in rows), rows.keys()
    assert not any("Bottom" in text for text in rows)


def test_a_station_head_sees_his_officers_and_nothing_of_another_station(
    client: FlaskClient, session: Session, people: People
):
    november_cases(session, people)
    login(client, people.director)
    page = client.get(NOVEMBER, headers=EN)
    text = _text(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Officers of Changchun New District" in text
    assert people.staff.name in text and "Not assigned" in text
    assert "Tonghua" not in text and "Whole network" not in text
    # The return rate is a station's figure: his officers' table leaves it out, and says so.
    assert "Return rate =" not in text and "Not shown for officers: Return rate" in text
    tonghua = station_id(session, "JL-TH")
    assert client.get(f"/director/rates/stations/{tonghua}?period=2026-11").status_code == 404
    assert client.get(f"/director/rates/requests?period=2026-11&bucket=received&station={tonghua}").status_code == 404
    # The network's list is his station's.
    listed = _text(client.get("/director/rates/requests?period=2026-11&bucket=received", headers=EN).get_data(True))
    assert "4 requests" in listed


@pytest.mark.parametrize("who", ["staff", "owner", "hub_staff"])
def test_the_page_is_for_directors(client: FlaskClient, people: People, who: str):
    login(client, getattr(people, who))
    for path in (NOVEMBER, "/director/rates/requests?period=2026-11&bucket=received", "/director/rates/stations/1"):
        assert client.get(path).status_code == 403


def test_each_number_opens_the_requests_behind_it(client: FlaskClient, session: Session, people: People):
    november_cases(session, people)
    login(client, people.hub_director)
    html = client.get(NOVEMBER, headers=EN).get_data(as_text=True)
    links = set(re.findall(r'href="(/director/rates/requests\?[^"]+)"', html))
    assert len(links) > 30
    for link in links:
        target = unescape(link)
        page = client.get(target, headers=EN)
        assert page.status_code == 200, target
        body = page.get_data(as_text=True)
        count = int(re.search(r"(\d+) requests?\b", _text(body)).group(1))  # type: ignore[union-attr]
        rows = len(re.findall(r'<td class="mono"><a href=', body))
        assert rows == count, target
        # The number on the ranking that links here is that count.
        shown = re.findall(rf'href="{re.escape(link)}"[^>]*>(\d+)<', html)
        assert all(int(n) == count for n in shown), (target, shown, count)


@pytest.mark.parametrize("period", ["2026-13", "Q4", "november", "2026-Q5", "1999"])
def test_a_period_it_cannot_read_is_refused_with_what_to_write(client: FlaskClient, people: People, period: str):
    login(client, people.hub_director)
    for path in ("/director/rates/", "/director/rates/requests?bucket=received&"):
        answer = client.get(f"{path}{'&' if '?' in path else '?'}period={period}".replace("&&", "&"), headers=EN)
        assert answer.status_code == 400
        text = _text(answer.get_data(as_text=True))
        assert "Give a month as 2026-11, a quarter as 2026-Q4 or a year as 2026." in text
        assert f'value="{period}"' in answer.get_data(as_text=True)
    zh = client.get(f"/director/rates/?period={period}", headers=ZH).get_data(as_text=True)
    assert "2026-Q4" in zh and "季度" in zh


def test_odd_addresses_never_fail(client: FlaskClient, session: Session, people: People):
    november_cases(session, people)
    login(client, people.hub_director)
    ccnd = station_id(session, "JL-CCND")
    for path, status in (
        ("/director/rates/?period=2026-11&by=nonsense", 200),
        ("/director/rates/requests?period=2026-11&bucket=nonsense", 404),
        ("/director/rates/requests?period=2026-11&bucket=closed&officer=3", 404),
        (f"/director/rates/requests?period=2026-11&bucket=closed&station={ccnd}&officer=x", 404),
        (f"/director/rates/requests?period=2026-11&bucket=closed&station={ccnd}&officer=99999999999", 404),
        ("/director/rates/requests?period=2026-11&bucket=closed&station=abc", 404),
        ("/director/rates/stations/99999?period=2026", 404),
        (f"/director/rates/requests?period=2026-11&bucket=closed&station={ccnd}&cursor=x", 400),
    ):
        assert client.get(path).status_code == status, path
