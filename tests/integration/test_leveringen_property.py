"""Property: random sequences of starts, stops and deletes for one toewijzing, sent through the
API, always leave the stored deliveries equal to a small reference model of the standard's
sequences (written apart from gateway.model.leveringen on purpose), and every message is
accepted exactly when the model accepts it."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from gateway.db.models import Signaal, Zorglevering, ZorgleveringStop
from tests.integration.test_leveringen import stored
from tests.regie import Start, Stop, message
from tests.route import post

# Weighted towards one start and new deliveries, so that the longer sequences (stop after
# stop, a second start) come up often; the second date exercises TR326 and wrong keys.
BEGIN = ("2026-09-21", "2026-09-21", "2026-09-21", "2026-10-05")
STATUS = "1113"
EIND = ("2026-10-20", "2026-11-03")  # never before a Begindatum, never after the Dagtekening

starts = st.builds(lambda b, s: ("start", b, s), st.sampled_from(BEGIN), st.sampled_from(STATUS))
stops = st.builds(lambda b, r, e, s: ("stop", b, r, e, s), st.sampled_from(BEGIN), st.sampled_from(("20", "31")),
                  st.sampled_from(EIND), st.sampled_from(STATUS))
# A message holds one or two classes of one kind, in any order (a correction: delete + new).
# Mostly single classes, so long sequences of stops come up; pairs for the corrections.
single = st.one_of(starts, stops).map(lambda op: [op])
messages = st.one_of(single, single, single, st.lists(starts, min_size=2, max_size=2),
                     st.lists(stops, min_size=2, max_size=2))
operations = st.lists(messages, min_size=1, max_size=8)


class Reference:
    """starts: Begindatum -> set of (reden, einddatum)."""

    def __init__(self):
        self.starts: dict[str, set[tuple[str, str]]] = {}

    def apply(self, op: tuple) -> bool:
        if op[0] == "start":
            _, begin, status = op
            if status == "3":
                if begin not in self.starts or self.starts[begin]:
                    return False
                del self.starts[begin]
                return True
            # new: not the same key, and every other start of the toewijzing has a stop
            if begin in self.starts or any(not stops for stops in self.starts.values()):
                return False
            self.starts[begin] = set()
            return True
        _, begin, reden, eind, status = op
        stops = self.starts.get(begin)
        if status == "3":
            if stops is None or (reden, eind) not in stops:
                return False
            stops.remove((reden, eind))
            return True
        if stops is None or (reden, eind) in stops:
            return False
        if any(r != "20" for r, _ in stops):          # after a definitive stop nothing follows
            return False
        if reden == "20" and any(r == "20" for r, _ in stops):  # one temporary stop
            return False
        if stops and eind < max(e for _, e in stops):  # no earlier end than the current one
            return False
        stops.add((reden, eind))
        return True

    def apply_message(self, ops: list[tuple]) -> bool:
        """All classes or none; the same key twice is TR101 (level 2); deletes count first."""
        keys = [op[1] if op[0] == "start" else op[1:4] for op in ops]
        if len(set(keys)) < len(keys):
            return False
        trial = Reference()
        trial.starts = {b: set(stops) for b, stops in self.starts.items()}
        if not all(trial.apply(op) for op in sorted(ops, key=lambda op: op[-1] != "3")):
            return False
        self.starts = trial.starts
        return True

    def state(self) -> set:
        return {(begin, tuple(sorted(stops))) for begin, stops in self.starts.items()}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_stored_deliveries_follow_the_reference_model(client, parties, sessions, toewijzing_100001, ops):
    with sessions() as session:  # each example starts from no deliveries
        session.execute(delete(ZorgleveringStop))
        session.execute(delete(Signaal))
        session.execute(delete(Zorglevering))
        session.commit()
    model = Reference()
    for group in ops:
        classes = [Start(begindatum=op[1], status=op[2]) if op[0] == "start"
                   else Stop(begindatum=op[1], reden=op[2], einddatum=op[3], status=op[4]) for op in group]
        expected = model.apply_message(group)
        answer = post(client, parties["provider"], message(*classes))
        assert answer.status_code == (202 if expected else 422), (ops, group, answer.text)
        assert stored(sessions) == model.state(), (ops, group)
