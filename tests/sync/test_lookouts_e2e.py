"""A lookout added at one bench reaches another through a real hub process and flags its scan; removing it ends that.

Bench A's supervisor adds a lookout; `workstation sync --once` at A sends it; the hub publishes it
as reference data; `sync --once` at B pulls it into B's cache; B's scan lookup (the one the bench
window runs) flags the item as targeted. The removal travels the same way.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub_process import HubProcess, add_device
from records_support import PASSWORD
from sync_support import make_bench
from workstation_process import run_workstation

from workstation.core.bench import ScanResult, ScanState
from workstation.core.records import Role
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import seed_cache
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore
from workstation.ui.operations import BenchResources, lookup_op


def _config(folder: Path, hub: HubProcess, token: str, bench: str) -> Path:
    path = folder / f"{bench}.toml"
    path.write_text(f'bench_id = "{bench}"\nhub_url = "{hub.url}"\n[sync]\ntoken = "{token}"\n')
    return path


def _sync_once(data_dir: Path, config: Path) -> dict[str, object]:
    done = run_workstation(data_dir, "--config", str(config), "sync", "--once")
    assert done.returncode == 0, done.stderr
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def _scan_at(data_dir: Path, code: str) -> ScanResult:
    """The bench window's own lookup, on the bench's own files."""
    records = RecordsStore.open(data_dir)
    res = BenchResources(ManifestCache(open_cache(data_dir)), records, OfficerDirectory(records))
    try:
        return lookup_op(code)(res)
    finally:
        res.close()


def test_a_lookout_added_at_one_bench_flags_a_scan_at_another(
    hub: HubProcess, token: str, tmp_path: Path
) -> None:
    dir_a, dir_b = tmp_path / "bench-a", tmp_path / "bench-b"
    dir_a.mkdir()
    dir_b.mkdir()
    token_b = add_device(hub.data_dir, hub.database, "B2")
    config_a = _config(tmp_path, hub, token, "B1")
    config_b = _config(tmp_path, hub, token_b, "B2")

    # Bench B has the manifests; bench A's supervisor knows the shipper to look out for.
    cache = ManifestCache(open_cache(dir_b))
    seed_cache(cache, 60)
    code, shipper = cache.db.conn.execute(
        "SELECT i.tracking_id, i.shipper_name FROM items i JOIN risk r USING (tracking_id) "
        "WHERE r.targeted = 0 AND r.lane = 'green' LIMIT 1"
    ).fetchone()
    cache.db.conn.close()
    make_bench(dir_b, "B2").close()
    assert _scan_at(dir_b, code).state is ScanState.CLEAR

    a = make_bench(dir_a, "B1")
    admin = a.directory.sign_in("A1", PASSWORD, "B1")
    a.directory.add(admin, "S1", "Sam Supervisor", Role.SUPERVISOR, PASSWORD)
    supervisor = a.directory.sign_in("S1", PASSWORD, "B1")
    lookout = a.store.add_lookout(
        supervisor, "shipper", shipper, "counterfeit watches", datetime.now(UTC) + timedelta(days=2)
    )
    a.close()

    _sync_once(dir_a, config_a)
    pulled = _sync_once(dir_b, config_b)
    assert pulled["reference_records"] == 1

    result = _scan_at(dir_b, code)
    assert result.state is ScanState.TARGETED
    assert result.targeted
    assert [(lk.id, lk.reason, lk.added_by, lk.bench_id) for lk in result.lookouts] == [
        (lookout.id, "counterfeit watches", "Sam Supervisor (S1)", "B1")
    ]

    # Removed at A: after both sync, B's scan is plain again.
    a_store = RecordsStore.open(dir_a)
    try:
        again = OfficerDirectory(a_store).sign_in("S1", PASSWORD, "B1")
        a_store.remove_lookout(again, lookout.id, "shipper cleared")
    finally:
        a_store.close()
    _sync_once(dir_a, config_a)
    _sync_once(dir_b, config_b)
    result = _scan_at(dir_b, code)
    assert result.state is ScanState.CLEAR
    assert result.lookouts == ()
