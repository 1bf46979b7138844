"""The HTML report at 10,000 episodes: render time, file size, and in headless Chromium the time to
load the page, filter the episodes and open one (side by side with the other run's).

The episodes are real: the oracle runs every task type on a scale-0.1 org once (`crmweaver eval`
records), and those records are repeated with fresh keys (trials) into two runs of N/2 episodes
each, so the page holds N episodes of real size and shape. Needs crmweaver[report], playwright and
Debian's chromium.

    .venv/bin/python benchmarks/report_bench.py [--episodes 10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from crmweaver.agent.oracle import OracleBackend
from crmweaver.evaluate import EvalConfig, evaluate, load_results
from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.report import write_report
from crmweaver.tasks.synth import synthesize

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def make_runs(root: Path, episodes: int) -> list[Path]:
    org = root / "b2b.db"
    build_org(org, preset="b2b", seed=0, scale=0.1)
    with open_org(org) as o:
        tasks = synthesize(o, per_type=2, seed=0)
    evaluate(org, tasks, OracleBackend, EvalConfig(model="oracle"), out_dir=root / "seed-run")
    records, _ = load_results(root / "seed-run" / "results.jsonl")
    runs = []
    for name, reward in (("run-a", None), ("run-b", 0.0)):  # run-b: the same episodes, scored 0 every third
        run = root / name
        run.mkdir()
        per_run = episodes // 2
        with (run / "results.jsonl").open("w") as f:
            for i in range(per_run):
                r = records[i % len(records)].to_dict()
                r["trial"] = i // len(records)
                r["key"] = f"{name}-{i}"
                if reward is not None and i % 3 == 0:
                    r["reward"] = reward
                f.write(json.dumps(r) + "\n")
        (run / "run.json").write_text(json.dumps({"model": name, "trials": per_run // len(records) + 1}))
        runs.append(run)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=10_000)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs = make_runs(root, args.episodes)
        size = sum((r / "results.jsonl").stat().st_size for r in runs)
        out = root / "report.html"
        t = time.perf_counter()
        write_report(runs, out)
        render_s = time.perf_counter() - t
        print(f"{args.episodes} episodes ({size / 1e6:.0f} MB of results.jsonl): rendered in {render_s:.1f} s, "
              f"report {out.stat().st_size / 1e6:.1f} MB")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            t = time.perf_counter()
            page.goto(out.as_uri())
            page.wait_for_selector("#episode-list tbody tr")
            load_s = time.perf_counter() - t
            t = time.perf_counter()
            page.select_option("#f-task", "case_routing")
            page.select_option("#f-reward", "0")
            filter_s = time.perf_counter() - t
            count = page.inner_text("#count")
            t = time.perf_counter()
            page.locator("#episode-list tbody tr").first.click()
            page.wait_for_selector("#episode .ep")
            open_s = time.perf_counter() - t
            side = page.locator("#episode .ep").count()
            browser.close()
        print(f"chromium: page loaded in {load_s:.2f} s · two filters {filter_s * 1000:.0f} ms ({count}) · "
              f"opening an episode ({side} side by side) {open_s * 1000:.0f} ms · console errors {len(errors)}")


if __name__ == "__main__":
    main()
