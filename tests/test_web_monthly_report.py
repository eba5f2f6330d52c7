"""The monthly report's page and its Excel workbook: for the heads only (a station's head sees his station), in
English and Chinese, a month that is not one answered with the reason, the workbook's sheets, headers, formats
and figures, and a page whose statements do not grow with its rows."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service.models import User
from service.models.base import utcnow
from service.operations import api_tokens
from service.queries.monthly_report import default_month
from service.store.settings import DeskSettings
from tests.api_support import Caller
from tests.factories import People
from tests.report_helpers import OTHER_NOTE, TYPICAL_NOTE, MonthOfCases, month_of_cases
from tests.suite import login
from tests.test_statement_budget import statements
from tests.test_web_reminders_results import ZH
from tests.web_requests_support import EN, get

MONTH = default_month(utcnow())
URL = "/reports/monthly"


@pytest.fixture()
def cases(session: Session, people: People, app_settings: DeskSettings) -> MonthOfCases:
    return month_of_cases(session, people, app_settings, MONTH)


def caller_for(session: Session, user: User) -> Caller:
    return Caller(user, api_tokens.create_token(session, user, "tests", "read", 30, max_days=30).secret)


def _workbook(client: FlaskClient, headers: dict[str, str]) -> Workbook:
    answer = client.get(f"{URL}.xlsx?month={MONTH}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["Cache-Control"] == "private, no-store"
    return load_workbook(io.BytesIO(answer.data))


def test_the_provincial_directors_report_in_both_languages(
    client: FlaskClient, people: People, cases: MonthOfCases
) -> None:
    login(client, people.hub_director)
    page = get(client, URL).get_data(as_text=True)
    assert f'value="{MONTH}"' in page and 'href="/static/css/report-print.css" media="print"' in page
    for text in (
        "Rates per station",
        "Response rate",
        "On-time closure rate",
        "Extension rate",
        "Changchun New District Sub-station",
        "Tonghua City Sub-station",
        "All stations",
        "Registration dossier",
        "21 Medical software",
        "Class III",
        "办理进度缓慢",
        "Red: seriously overdue",
        TYPICAL_NOTE,
        OTHER_NOTE,
        f'href="/desk/requests/{cases.typical.id}"',
        f"/reports/monthly.xlsx?month={MONTH}",
    ):
        assert text in page, text
    # Each number opens the requests it counts, on the rates' own list: the station's resolved results of the month.
    solved = f"/director/rates/requests?period={MONTH}&amp;bucket=solved&amp;station={cases.typical.station_id}"
    assert solved in page
    listed = get(client, solved.replace("&amp;", "&")).get_data(as_text=True)
    assert cases.typical.reference in listed and cases.resolved.reference in listed
    assert cases.supervised.reference not in listed
    chinese = client.get(URL, headers=ZH).get_data(as_text=True)
    for text in (
        f"{MONTH.year}年{MONTH.first_day.month}月月报",
        "响应率",
        "按时办结率",
        "解决率",
        "满意率",
        "退回率",
        "重办率",
        "延期率",
        "催办次数",
        "督办件数",
        "未办结的督办",
        "典型案例",
        "长春新区分站",
        "下载 Excel",
    ):
        assert text in chinese, text


def test_a_head_reads_his_own_station_only(client: FlaskClient, people: People, cases: MonthOfCases) -> None:
    login(client, people.director)
    page = get(client, f"{URL}?month={MONTH}").get_data(as_text=True)
    assert "Changchun New District Sub-station" in page and TYPICAL_NOTE in page and "办理进度缓慢" in page
    assert "Tonghua City Sub-station" not in page and OTHER_NOTE not in page and "All stations" not in page
    book = _workbook(client, EN)
    stations = [row[0] for row in book["Rates"].iter_rows(min_row=2, values_only=True)]
    assert stations == ["Changchun New District Sub-station"]
    assert [row[8] for row in book["Typical cases"].iter_rows(min_row=2, values_only=True)] == [TYPICAL_NOTE]


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("owner", 403), ("admin", 403), ("hub_staff", 403)])
def test_only_heads_open_the_report(client: FlaskClient, people: People, who: str, status: int) -> None:
    login(client, getattr(people, who))
    assert get(client, URL).status_code == status
    assert get(client, f"{URL}.xlsx").status_code == status


def test_the_menu_leads_directors_to_it_and_anonymous_readers_sign_in(client: FlaskClient, people: People) -> None:
    assert get(client, URL).status_code == 302
    login(client, people.director)
    assert f'href="{URL}"' in get(client, "/director/").get_data(as_text=True)
    login(client, people.staff)
    assert f'href="{URL}"' not in get(client, "/desk/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "Choose a month as year and month, e.g. 2026-05."),
        ("last month", "Choose a month as year and month, e.g. 2026-05."),
        ("2026-Q1", "Choose a month as year and month, e.g. 2026-05."),
        ("9" * 500, "Field cannot be longer than 20 characters."),
        (str(default_month(utcnow()).next().next()), "has not begun yet"),
    ],
)
def test_a_month_that_is_not_one_is_answered_with_the_reason(
    client: FlaskClient, people: People, month: str, message: str
) -> None:
    login(client, people.hub_director)
    for path in (URL, f"{URL}.xlsx"):
        answer = client.get(path, query_string={"month": month}, headers=EN)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400 and answer.mimetype == "text/html", path
        assert message in page and "Rates per station" not in page and "<h1>Monthly report</h1>" in page
    chinese = client.get(URL, query_string={"month": "2026-13"}, headers=ZH).get_data(as_text=True)
    assert "请按“年-月”选择月份" in chinese


def test_the_workbook_has_a_sheet_per_table_with_frozen_headers_formats_and_figures(
    client: FlaskClient, people: People, cases: MonthOfCases
) -> None:
    login(client, people.hub_director)
    book = _workbook(client, EN)
    assert book.sheetnames == [
        "Rates",
        "Categories",
        "Product fields",
        "Device classes",
        "Supervision orders",
        "Typical cases",
        "Formulas",
    ]
    assert book.properties.title == f"Monthly report, {MONTH.first_day:%B %Y}"
    rates = book["Rates"]
    header = [cell.value for cell in rates[1]]
    assert header[:4] == ["Station", "Response rate", "Response rate, change", "On-time closure rate"]
    assert header[-5:] == [
        "Requests received",
        "Results given",
        "Return visits",
        "Reminders sent",
        "Requests supervised",
    ]
    assert rates.freeze_panes == "B2" and all(cell.font.bold for cell in rates[1])
    rows = {row[0].value: row for row in rates.iter_rows(min_row=2)}
    ccnd, total = rows["Changchun New District Sub-station"], rows["All stations"]
    resolution = header.index("Resolution rate")
    assert (ccnd[resolution].value, ccnd[resolution].number_format) == (1, "0.0%")
    assert ccnd[resolution + 1].number_format == "+0.0%;-0.0%;0.0%"
    assert (ccnd[-5].value, ccnd[-5].number_format, ccnd[-1].value) == (3, "#,##0", 1)
    assert total[-5].value == 4 and total[0].font.bold and rates.max_row == len(rows) + 1
    assert rates.column_dimensions["A"].width >= len("Changchun Economic Development Zone Sub-station")

    categories = list(book["Categories"].iter_rows(values_only=True))
    assert categories[:2] == [("Category", "Requests", "Share"), ("Registration dossier", 2, 0.5)]
    assert book["Categories"]["C2"].number_format == "0.0%" and book["Categories"].freeze_panes == "A2"
    assert [row[0] for row in book["Device classes"].iter_rows(min_row=2, values_only=True)][-1] == "Not given"

    orders = book["Supervision orders"]
    assert [cell.value for cell in orders[1]][:4] == ["Tier", "Case", "Enterprise", "Unit"]
    assert orders["B2"].value == f"{cases.supervised.reference} 临床评价路径" and orders["E2"].value == "办理进度缓慢"
    assert isinstance(orders["F2"].value, datetime) and orders["F2"].number_format == "yyyy-mm-dd hh:mm"
    # Shanghai's wall clock: the deadline was 10:00 there on the 20th.
    assert (orders["F2"].value.day, orders["F2"].value.hour) == (20, 10)

    typical = list(book["Typical cases"].iter_rows(values_only=True))
    assert typical[0][:3] == ("Reference", "Title", "Enterprise")
    assert {row[8] for row in typical[1:]} == {TYPICAL_NOTE, OTHER_NOTE}
    formulas = dict(book["Formulas"].iter_rows(min_row=2, values_only=True))
    assert formulas["Return rate"] == "requests returned ÷ requests dispatched"


def test_the_workbook_speaks_chinese_to_a_chinese_reader(
    client: FlaskClient, people: People, cases: MonthOfCases
) -> None:
    login(client, people.hub_director)
    answer = client.get(f"{URL}.xlsx?month={MONTH}", headers=ZH)
    assert f"filename*=UTF-8''%E6%9C%88%E6%8A%A5-{MONTH}.xlsx" in answer.headers["Content-Disposition"]
    book = _workbook(client, ZH)
    assert book.sheetnames == ["各站比率", "诉求类别", "产品领域", "管理类别", "督办单", "典型案例", "计算公式"]
    assert [cell.value for cell in book["各站比率"][1]][:3] == ["服务站", "响应率", "响应率较上月"]
    assert book["诉求类别"]["A2"].value == "注册申报资料"


def test_the_page_runs_as_many_statements_however_many_rows_it_shows(
    client: FlaskClient,
    connection: Connection,
    session: Session,
    people: People,
    app_settings: DeskSettings,
    cases: MonthOfCases,
) -> None:
    login(client, people.hub_director)
    get(client, URL)  # warm the caches a running server holds (locale, calendar, stations)
    with statements(connection) as few:
        assert get(client, URL).status_code == 200
    for _ in range(3):
        month_of_cases(session, people, app_settings, MONTH)
    with statements(connection) as many:
        page = get(client, URL).get_data(as_text=True)
    assert page.count(TYPICAL_NOTE) == 4
    assert len(many) == len(few), "\n".join(many)


def test_the_api_gives_the_report_and_its_workbook_in_the_callers_scope(
    client: FlaskClient, session: Session, people: People, cases: MonthOfCases
) -> None:
    province, head, staff = (caller_for(session, user) for user in (people.hub_director, people.director, people.staff))
    url = f"/api/v1/reports/monthly?month={MONTH}"
    answer = client.get(url, headers=province.headers)
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert report["month"] == str(MONTH) and report["submitted"] == 4 and report["network"]["received"] == 4
    ccnd = next(unit for unit in report["stations"] if unit["station_code"] == "JL-CCND")
    resolution = next(rate for rate in ccnd["rates"] if rate["key"] == "resolution")
    assert (resolution["value"], resolution["numerator"], resolution["denominator"]) == (1.0, 2, 2)
    assert [r["key"] for r in ccnd["rates"]] == [
        "response",
        "on_time",
        "resolution",
        "satisfaction",
        "return",
        "redo",
        "extension",
    ]
    assert report["categories"][0] == {"category": "registration_dossier", "count": 2, "share": 0.5}
    assert [o["request_id"] for o in report["open_orders"]] == [cases.supervised.id]
    assert {c["note"] for c in report["typical_cases"]} == {TYPICAL_NOTE, OTHER_NOTE}

    mine = client.get(url, headers=head.headers).get_json()
    assert [u["station_code"] for u in mine["stations"]] == ["JL-CCND"] and mine["network"] is None
    assert [c["note"] for c in mine["typical_cases"]] == [TYPICAL_NOTE]
    assert client.get(url, headers=staff.headers).status_code == 403
    refused = client.get("/api/v1/reports/monthly?month=2026-13", headers=province.headers)
    assert refused.status_code == 422 and "month" in refused.get_json()["error"]["fields"]
    workbook = client.get(f"/api/v1/reports/monthly.xlsx?month={MONTH}", headers=province.headers)
    assert workbook.status_code == 200 and load_workbook(io.BytesIO(workbook.data)).sheetnames[0] == "Rates"
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/reports/monthly"] and "get" in paths["/api/v1/reports/monthly.xlsx"]
