"""gunicorn's settings file, read from the directory gunicorn starts in (the README's commands and bench/run.py)."""

import gc

# The app is built by its factory in each worker: importing app.py builds nothing.
wsgi_app = "app:create_app()"


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Move what loading the app made (modules, models, compiled templates) out of the collector's sight.

    Those objects live as long as the worker, yet every full collection walked them all again: with
    them frozen a worker's full collections took about 20 ms instead of 100 ms (bench/README.md).
    """
    gc.collect()
    gc.freeze()
