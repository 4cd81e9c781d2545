"""The built bundle: size unpacked and compressed, and start of the built program to ready-for-scan.

Measures what `packaging/build-linux.sh` left in dist/ (build it first). Start-up: the bundle runs
`--demo --data-dir DIR` offscreen with WORKSTATION_EXIT_WHEN_READY=1, which makes the app print
`ready <ms>` once the bench window is shown and signed in, and quit. The demo data directory is
prepared by a first run (not timed); then RUNS timed runs, wall clock from spawning the process
to reading the ready line (what an officer waits for: loader, imports, Qt, databases, window).
Targets: <= 300 MB unpacked, <= 2 s to ready.

Usage: uv run python benchmarks/bundle.py [--runs N]      The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "dist"
MB = 1024 * 1024


def tree_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def start_to_ready(exe: Path, data_dir: Path, env: dict[str, str], timeout: float = 300) -> tuple[float, int]:
    """Seconds from spawning the program to its `ready` line, and the in-app ms it printed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "--demo", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.startswith("ready "):
                wall = time.perf_counter() - start
                proc.wait(timeout=timeout)
                return wall, int(line.split()[1])
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    raise SystemExit(f"{exe} exited {proc.returncode} without printing a ready line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    bundle = DIST / "workstation"
    exe = bundle / ("workstation.exe" if sys.platform == "win32" else "workstation")
    if not exe.exists():
        raise SystemExit(f"{exe} is missing: run packaging/build-linux.sh first")
    unpacked = tree_bytes(bundle)
    tarball = DIST / f"workstation-{version}-linux-{platform.machine()}.tar.gz"
    debs = sorted(DIST.glob(f"workstation_{version}_*.deb"))
    print(f"bundle {bundle}: {unpacked / MB:.0f} MB unpacked")
    for path in [tarball, *debs]:
        if path.exists():
            print(f"  {path.name}: {path.stat().st_size / MB:.0f} MB")

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env |= {"QT_QPA_PLATFORM": "offscreen", "WORKSTATION_EXIT_WHEN_READY": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        env["WORKSTATION_CONFIG"] = str(Path(tmp) / "none.toml")
        data_dir = Path(tmp) / "demo"
        t0 = time.perf_counter()
        start_to_ready(exe, data_dir, env)  # creates the demo data: not timed
        print(f"demo data prepared in {time.perf_counter() - t0:.1f} s")
        runs = [start_to_ready(exe, data_dir, env) for _ in range(args.runs)]
    walls = [w for w, _ in runs]
    for i, (wall, in_app) in enumerate(runs, 1):
        print(f"  run {i}: ready after {wall * 1000:.0f} ms (app says {in_app} ms after QApplication)")
    result = {
        "version": version,
        "unpacked_mb": round(unpacked / MB, 1),
        "tar_gz_mb": round(tarball.stat().st_size / MB, 1) if tarball.exists() else None,
        "deb_mb": round(debs[-1].stat().st_size / MB, 1) if debs else None,
        "start_to_ready_s_median": round(statistics.median(walls), 2),
        "start_to_ready_s_max": round(max(walls), 2),
        "runs": len(walls),
        "target_unpacked_mb": 300,
        "target_start_s": 2.0,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
