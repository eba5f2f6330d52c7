"""A request's own reply address, by plus addressing: ``desk+r42-1f0c9a7d3be25e64@example.gov.cn``.

The part after the "+" names the request and carries an HMAC of it made with the app's secret key, so that
nobody can write to a request by guessing its number. Lower-case hex only: some mail servers lower-case the
local part on the way.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_TAG = re.compile(r"^r(\d{1,12})-([0-9a-f]{16})$")


def _signature(request_id: int, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"reply-address:{request_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def reply_address(base: str, request_id: int, secret_key: str) -> str:
    """``base`` (REPLY_ADDRESS, e.g. desk@example.gov.cn) with the request's signed tag."""
    local, _, domain = base.partition("@")
    return f"{local}+r{request_id}-{_signature(request_id, secret_key)}@{domain}"


def request_of_address(address: str, base: str, secret_key: str) -> int | None:
    """The request named by a reply address of ``base``, or None (another address, or a forged tag)."""
    local, _, domain = address.lower().partition("@")
    base_local, _, base_domain = base.lower().partition("@")
    name, plus, tag = local.partition("+")
    if not plus or name != base_local or domain != base_domain:
        return None
    found = _TAG.match(tag)
    if found is None:
        return None
    request_id = int(found.group(1))
    return request_id if hmac.compare_digest(found.group(2), _signature(request_id, secret_key)) else None
