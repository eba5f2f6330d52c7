"""Typical cases (典型案例): a head flags a result for the monthly report (月报), or takes the flag back."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from service.operations.typical_cases import flag_typical_case
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.database import db

TAG = "reports"


class TypicalIn(s.Input):
    typical: bool = Field(description="true flags the request as a typical case, false takes the flag back.")
    note: Annotated[str, s.text(5000)] = Field("", description="What makes the case worth showing (optional).")
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


@endpoint(
    "/requests/<int:request_id>/typical",
    "POST",
    summary="Flag a resolved or closed request as a typical case (典型案例), or take the flag back (a head: the "
    "station's director or the provincial director).",
    description="The monthly report lists the typical cases whose result fell in its month. Flagging a request "
    "already flagged, or unflagging one that is not, answers 409.",
    tag=TAG,
    body=TypicalIn,
    response=s.RequestOut,
    headers=("If-Match",),
)
def flag_typical(request_id: int, body: TypicalIn) -> s.RequestOut:
    changed = flag_typical_case(
        db(), caller(), request_id, expected_version(body.version), typical=body.typical, note=body.note
    )
    return s.request_out(changed, caller())
