"""The hub publishes facility lookouts as reference records: from the events it accepts, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub_process import HubProcess
from hub_support import BENCH, message

from workstation.core.lookout_record import read_lookout_record
from workstation.core.messages import LookoutAdded, LookoutRemoved
from workstation.core.review import Lookout
from workstation.hub.lookouts import lookout_of, lookout_reference_records
from workstation.sync.client import HubClient

AT = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def added(lid: str, pattern: str = "Acme*", bench: str = BENCH) -> LookoutAdded:
    return LookoutAdded(
        lid, bench, AT, "S1", 3, "ab" * 32, "shipper", pattern, "fakes", AT + timedelta(days=2), "Sam"
    )


def removed(rid: str, lid: str, bench: str = BENCH) -> LookoutRemoved:
    return LookoutRemoved(rid, bench, AT + timedelta(hours=1), "S2", 4, "cd" * 32, lid, "cleared")


def test_an_added_lookout_becomes_its_reference_record() -> None:
    ((key, body),) = lookout_reference_records([added("L1")])
    assert key == "lookout:L1"
    read = read_lookout_record(body)
    assert read.removed is False
    assert read.lookout == Lookout(
        "L1", "shipper", "Acme*", "fakes", AT + timedelta(days=2), "Sam (S1)", AT, BENCH
    )
    assert lookout_of(added("L1")) == read.lookout


def test_a_removal_republishes_the_lookout_removed_or_a_tombstone() -> None:
    # In the same batch: the whole lookout, removed, published once and after the other keys.
    records = lookout_reference_records([added("L1"), added("L2"), removed("R1", "L1")])
    assert [k for k, _ in records] == ["lookout:L2", "lookout:L1"]
    gone = read_lookout_record(records[1][1])
    assert gone.removed
    assert gone.lookout is not None
    assert gone.lookout.pattern == "Acme*"
    # From an earlier batch, the caller knowing it: the whole lookout; not knowing it: a tombstone.
    earlier = lookout_of(added("L3"))
    ((_, body),) = lookout_reference_records([removed("R3", "L3")], {"L3": earlier}.get)
    assert read_lookout_record(body).lookout == earlier
    ((_, bare),) = lookout_reference_records([removed("R4", "L4")])
    assert read_lookout_record(bare).lookout is None
    assert read_lookout_record(bare).removed
    # Other messages are not lookouts.
    assert lookout_reference_records([message(BENCH)]) == []


def _lookout_records(client: HubClient) -> list[dict[str, object]]:
    page = client.reference("0")
    assert page is not None
    return [dict(r) for r in page.records if r.get("record_type") == "lookout"]


def test_the_hub_publishes_accepted_lookout_events_once(client: HubClient, hub: HubProcess) -> None:
    first = client.send(BENCH, [added("L1"), message(BENCH), added("L2")], [])
    assert [r.status for r in first.results] == ["accepted"] * 3
    assert sorted(str(r["id"]) for r in _lookout_records(client)) == ["L1", "L2"]

    client.send(BENCH, [removed("R1", "L1")], [])
    by_id = {str(r["id"]): r for r in _lookout_records(client)}
    assert by_id["L1"]["removed"] is True
    assert by_id["L2"]["removed"] is False

    # The add sent again is a duplicate: the hub does not publish it again over the removal.
    again = client.send(BENCH, [added("L1")], [])
    assert [r.status for r in again.results] == ["duplicate"]
    by_id = {str(r["id"]): r for r in _lookout_records(client)}
    assert by_id["L1"]["removed"] is True
