"""A short soak under gunicorn on SQLite: zero 5xx, and every acknowledged submission and reply stored intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from soak.run import Options, run_soak


@pytest.mark.slow
def test_a_short_mixed_load_loses_nothing_and_never_fails(tmp_path: Path) -> None:
    result = run_soak(Options(database_url=f"sqlite:///{tmp_path / 'soak.sqlite3'}", seconds=15), tmp_path)

    print(result.text)
    assert result.tally.server_errors == [] and result.tally.transport_errors == []
    assert result.tally.unexpected == []
    assert result.problems == [], "acknowledged data missing or altered"
    assert len(result.tally.submitted) > 0 and len(result.tally.replies) > 0
    assert result.tally.latencies["staff_queue"] and result.tally.latencies["director_dashboard"]
