import pytest
import tests.test_lifecycle_stateful as m
from service.rules import lifecycle
from tests.request_helpers import people, settings  # noqa

def test_mutant_waiting(session, people, settings, monkeypatch):
    original = lifecycle._leave
    def leave(request, source, now, calendar):
        saved = request.waiting_since
        original(request, source, now, calendar)
        request.waiting_since = saved
    monkeypatch.setattr(lifecycle, "_leave", leave)
    with pytest.raises(AssertionError, match="SLA clock"):
        m.test_random_actions_keep_the_lifecycle_invariants(session, people, settings)

def test_mutant_confirm(session, people, settings, monkeypatch):
    t = lifecycle.TRANSITIONS[lifecycle.Action.CONFIRM]
    import dataclasses
    monkeypatch.setitem(lifecycle.TRANSITIONS, lifecycle.Action.CONFIRM,
                        dataclasses.replace(t, sources=t.sources | {lifecycle.Status.EARLY_INTERVENTION}))
    with pytest.raises(AssertionError, match="closed without"):
        m.test_random_actions_keep_the_lifecycle_invariants(session, people, settings)

def test_mutant_leak(session, people, settings, monkeypatch):
    from service.queries import timeline as tl
    original = tl.policy.may
    monkeypatch.setattr(tl.policy, "may", lambda user, action, target=None: True if action == "request.view_internal" else original(user, action, target))
    monkeypatch.setattr(tl, "Role", type("R", (), {"ENTERPRISE": object()}))
    with pytest.raises(AssertionError):
        m.test_random_actions_keep_the_lifecycle_invariants(session, people, settings)
