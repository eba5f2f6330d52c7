"""Hypothesis against the forms the app really renders and the query parameters of its pages: no input
is answered with a 5xx, and an input the app refuses leaves no row behind.

The forms are discovered by parsing the pages each role sees, so a new form is fuzzed without anyone
listing it; every field gets long, empty, Unicode, control-character, huge-number and wrong-type values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from service.models.base import Base
from tests.security.probe import Prober
from tests.security.world import World, fill, rules

# Pages whose forms are fuzzed, per role that sees them ({...} filled from the world).
FORM_PAGES = {
    "enterprise_a": [
        "/portal/requests/new",
        "/portal/requests/{request_id}",
        "/account/password",
        "/account/tokens/",
        "/account/two-factor",
        "/hotline/request/{request_id}/ask",
    ],
    "staff_x": [
        "/desk/requests/{request_id}",
        "/desk/requests/new",
        "/plans/{plan_id}",
        "/plans/{plan_id}/edit",
        "/plans/milestones/{milestone_id}",
        "/plans/{plan_id}/milestones/new",
        "/task-forces/{task_force_id}",
        "/task-forces/{task_force_id}/edit",
        "/plans/new?enterprise_id={enterprise_id}",
    ],
    "director_x": [
        "/hotline/{hotline_id}/schedule",
        "/hotline/{hotline_id}/record",
        "/hotline/{hotline_id}/cancel",
        "/instructions/request/{request_id}",
        "/director/escalated",
    ],
    "admin": ["/admin/users/new", "/admin/sla", "/admin/calendar", "/admin/users"],
}
REFUSED = {400, 403, 404, 409, 413, 422}
NAMES_OF_QUERY_PARAMETERS = [
    "q",
    "text",
    "status",
    "priority",
    "category",
    "lifecycle_stage",
    "station_id",
    "assignee_id",
    "cursor",
    "queue",
    "escalated",
    "limit",
    "page",
    "sort",
    "role",
    "unverified",
    "enterprise_id",
    "plan_id",
    "request_id",
    "year",
    "from",
    "to",
    "next",
]

WORST = ["\x00", "9" * 40, "-1", "", "𠀀" * 500, "2026-02-30", "[]", "' OR 1=1 --", "NaN", "\u202e"]
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=3000, max_size=25_000, alphabet=st.characters(codec="utf-8")),
    st.just(""),
    st.just(" \t\n"),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), min_size=1, max_size=20),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-1",
            "0",
            "1e309",
            "2026-02-30",
            "9999-12-31T99:99",
            "[]",
            "{}",
            "null",
            "true",
            "../../etc/passwd",
            "%00",
            "\x00",
            "\ud7ff\ue000",
            "＜script＞",
            "' OR 1=1 --",
            "𠀀𪚥",
            "\u202e\u200b",
        ]
    ),
)


@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> offered choices


class FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.current, self.select = page, [], None, None  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.current = Form(self.page, a.get("action") or urlsplit(self.page).path)
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            if a["name"] != "csrf_token" and a.get("type") != "file":
                choices = self.current.fields.setdefault(a["name"], [])
                if a.get("type") in ("radio", "checkbox", "hidden") and a.get("value"):
                    choices.append(a["value"])
            self.select = a["name"] if tag == "select" else None
        elif tag == "option" and self.current is not None and self.select:
            self.current.fields[self.select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def discover_forms(prober: Prober, world: World) -> list[tuple[str, Form]]:
    values = world.converter_values()
    found: dict[tuple[str, str, tuple[str, ...]], tuple[str, Form]] = {}
    for role, pages in FORM_PAGES.items():
        for page in pages:
            path = page.format(**values)
            response = prober.call(role, "GET", path)
            assert response.status_code == 200, f"{role} {path}: {response.status_code}"
            parser = FormParser(path)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                # One of each kind: the 40 "delete this holiday" buttons are one form.
                shape = (role, re.sub(r"\d+", "N", form.action.split("?")[0]), tuple(sorted(form.fields)))
                if form.action not in ("/logout", "/language"):
                    found.setdefault(shape, (role, form))
    return list(found.values())


def row_counts(session: Session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def values_for(form: Form) -> st.SearchStrategy[dict[str, str]]:
    def one(choices: list[str]) -> st.SearchStrategy[str]:
        return st.one_of(hostile_text, st.sampled_from(choices)) if choices else hostile_text

    return st.fixed_dictionaries({}, optional={name: one(choices) for name, choices in form.fields.items()})


FUZZ = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_every_rendered_form_survives_hostile_input(web: Flask, prober: Prober, world: World, session: Session) -> None:
    forms = discover_forms(prober, world)
    assert len(forms) >= 25, f"only {len(forms)} forms found"
    failures: list[str] = []

    def fuzzer(role: str, form: Form):  # type: ignore[no-untyped-def]
        @FUZZ
        @given(data=values_for(form))
        def post(data: dict[str, str]) -> None:
            before = row_counts(session)

            def check(response: TestResponse) -> None:
                if response.status_code >= 500:
                    failures.append(f"{role} POST {form.action} {data!r:.200}: {response.status_code}")
                elif response.status_code in REFUSED and row_counts(session) != before:
                    failures.append(f"{role} POST {form.action} refused ({response.status_code}) but saved rows")

            prober.call(role, "POST", form.action, data, inspect=check)

        return post

    for role, form in forms:
        fuzzer(role, form)()
    assert failures == [], "\n".join(failures[:20])


@pytest.mark.parametrize("role", ["enterprise_a", "provincial_director", "admin"])
def test_query_parameters_of_every_page_survive_hostile_values(
    web: Flask, prober: Prober, world: World, role: str
) -> None:
    values = world.converter_values()
    pages = [fill(r, values) for r in rules(web) if "GET" in (r.methods or ()) and not r.rule.startswith("/api/")]
    pages += ["/api/v1/requests", "/api/v1/queue", "/api/v1/plans"]
    failures: list[str] = []

    def fetch_one(path: str, params: dict[str, str]) -> None:
        response = prober.call(role, "GET", path, query_string=params)
        if response.status_code >= 500:
            failures.append(f"{role} GET {path} {params!r:.200}: {response.status_code}")

    # Every page once with every parameter at its worst, then Hypothesis roams over pages and values.
    worst = dict(zip(NAMES_OF_QUERY_PARAMETERS, WORST * len(NAMES_OF_QUERY_PARAMETERS), strict=False))
    for path in pages:
        fetch_one(path, worst)

    @settings(FUZZ, max_examples=60)
    @given(
        path=st.sampled_from(pages),
        params=st.dictionaries(st.sampled_from(NAMES_OF_QUERY_PARAMETERS), hostile_text, max_size=5),
    )
    def fetch(path: str, params: dict[str, str]) -> None:
        fetch_one(path, params)

    fetch()
    assert failures == [], "\n".join(failures[:20])


def test_a_nul_character_anywhere_is_bad_input_on_every_engine(prober: Prober, world: World, session: Session) -> None:
    """PostgreSQL cannot store U+0000; before the guard, /plans/?q=%00 answered 500 there."""
    assert prober.call("staff_x", "GET", "/plans/", query_string={"q": "a\x00b"}).status_code == 400
    assert prober.call("staff_x", "GET", "/desk/", query_string={"queue": ["open", "\x00"]}).status_code == 400
    before, after = row_counts(session), []
    refused = prober.call(
        "enterprise_a",
        "POST",
        f"/portal/requests/{world.request.id}/messages",
        {"body": "补充\x00资料"},
        inspect=lambda _: after.append(row_counts(session)),
    )
    assert refused.status_code == 400 and after == [before]
