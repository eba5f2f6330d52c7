"""The JSON API under /api/v1: bearer tokens only, one error shape, an OpenAPI document built from the code.

Importing the resource modules registers their endpoints on the blueprint.
"""

from service.web.api import (  # noqa: F401 - they register their routes
    attachments,
    auth,
    canned_replies,
    desk,
    director,
    docs,
    enterprises,
    hotline,
    knowledge,
    plans,
    relations,
    reports,
    requests,
    supervision,
    supervision_orders,
    task_forces,
)
from service.web.api.registry import bp

__all__ = ["bp"]
