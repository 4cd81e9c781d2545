"""Password check time at the chosen Argon2id parameters (target: 150 ms or less per sign-in).

    uv run python benchmarks/sign_in.py [--rounds 20]

Times `PasswordHasher.verify` alone and a whole `OfficerDirectory.sign_in` (verify plus the audit
entry and shift rows, synchronous=FULL) on a fresh records file. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from workstation.core.records import Role
from workstation.store.officers import (
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    OfficerDirectory,
    default_hasher,
)
from workstation.store.records import RecordsStore

TARGET_MS = 150.0
PASSWORD = "a long enough password"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    hasher = default_hasher()
    stored = hasher.hash(PASSWORD)
    verify_ms = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        hasher.verify(stored, PASSWORD)
        verify_ms.append((time.perf_counter() - t0) * 1000)

    with tempfile.TemporaryDirectory() as tmp:
        store = RecordsStore.open(Path(tmp))
        directory = OfficerDirectory(store, hasher=hasher)
        directory.add(None, "A1", "Bench Admin", Role.ADMIN, PASSWORD)
        sign_in_ms = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            directory.sign_in("A1", PASSWORD, "BENCH")
            sign_in_ms.append((time.perf_counter() - t0) * 1000)
        store.close()

    verify_p50 = statistics.median(verify_ms)
    sign_in_p50 = statistics.median(sign_in_ms)
    print(f"Argon2id t={ARGON2_TIME_COST} m={ARGON2_MEMORY_KIB} KiB p={ARGON2_PARALLELISM}")
    print(f"verify:  p50 {verify_p50:7.1f} ms   max {max(verify_ms):7.1f} ms   ({args.rounds} rounds)")
    print(f"sign-in: p50 {sign_in_p50:7.1f} ms   max {max(sign_in_ms):7.1f} ms")
    print(f"target:  {TARGET_MS:.0f} ms -> {'met' if verify_p50 <= TARGET_MS else 'NOT met'}")
    print(
        json.dumps(
            {
                "benchmark": "sign_in",
                "time_cost": ARGON2_TIME_COST,
                "memory_kib": ARGON2_MEMORY_KIB,
                "parallelism": ARGON2_PARALLELISM,
                "verify_p50_ms": round(verify_p50, 1),
                "verify_max_ms": round(max(verify_ms), 1),
                "sign_in_p50_ms": round(sign_in_p50, 1),
                "target_ms": TARGET_MS,
                "target_met": verify_p50 <= TARGET_MS,
            }
        )
    )


if __name__ == "__main__":
    main()
