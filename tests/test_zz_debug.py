import collections
from tests.test_lifecycle_stateful import *  # noqa
import tests.test_lifecycle_stateful as m
seen = collections.Counter()
orig = m.RequestMachine.lifecycle_invariants
def spy(self):
    for rid in self.ids:
        seen[self.session.get(ServiceRequest, rid).status] += 1
    orig(self)
m.RequestMachine.lifecycle_invariants = invariant()(spy)
def test_debug(session, people, settings):
    try:
        m.test_random_actions_keep_the_lifecycle_invariants(session, people, settings)
    finally:
        print(seen)
