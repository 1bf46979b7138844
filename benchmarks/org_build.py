"""Org build time and file size at several scales, both presets (issue target on 2 cores:
scale 1 in <= 10 s, scale 10 in <= 60 s).

    .venv/bin/python benchmarks/org_build.py [--scales 0.1,1,10] [--presets b2b,b2c] [--repeat 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from crmweaver.org.generate import build_org


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="0.1,1,10")
    parser.add_argument("--presets", default="b2b,b2c")
    parser.add_argument("--repeat", type=int, default=1, help="builds per cell; the minimum time is reported")
    args = parser.parse_args()
    print(f"{'preset':<7}{'scale':>7}{'records':>11}{'seconds':>10}{'records/s':>12}{'MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets.split(","):
            for scale in (float(s) for s in args.scales.split(",")):
                best, counts, size = float("inf"), {}, 0
                for i in range(args.repeat):
                    out = Path(tmp) / f"{preset}-{scale}-{i}.db"
                    start = time.perf_counter()
                    counts = build_org(out, preset=preset, seed=0, scale=scale)
                    best = min(best, time.perf_counter() - start)
                    size = out.stat().st_size
                    out.unlink()
                records = sum(counts.values())
                print(f"{preset:<7}{scale:>7g}{records:>11,}{best:>10.2f}{records / best:>12,.0f}{size / 1e6:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
