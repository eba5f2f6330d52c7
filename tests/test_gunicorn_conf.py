"""The settings file gunicorn reads from the clone (README's production command, bench/run.py)."""

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_a_loaded_worker_freezes_what_it_has_made_so_collections_skip_it() -> None:
    hooks = runpy.run_path(str(CONF))
    loaded_app = [{"module": n} for n in range(1000)]  # stands in for what the worker's app load made
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() >= len(loaded_app)
        assert not any(o is loaded_app for o in gc.get_objects())
    finally:
        gc.unfreeze()
