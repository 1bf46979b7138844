"""The HTML report from real runs (the oracle through `crmweaver eval`, a scripted model, a cpu-smoke
training study), opened in headless Chromium (Debian's package, driven by Playwright): no console
errors, nothing fetched, tables equal summary.json, filters and the trajectory viewer work, and
torn, partial or still-running run folders render with a notice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmweaver.agent.backend import InfraError, ScriptedBackend
from crmweaver.cli import app
from crmweaver.evaluate import EvalConfig, evaluate, write_summary
from crmweaver.evaluate.results import lock_run
from crmweaver.org.store import open_org
from crmweaver.tasks.row import write_tasks
from crmweaver.tasks.synth import synthesize

pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow  # renders in chromium, and the study report trains first

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TYPES = ["handle_time", "knowledge_qa", "case_routing"]
GOOD_QUERY = "SELECT Id, Subject FROM Case LIMIT 2"
BAD_QUERY = "SELECT NoSuchField__c FROM Case"


def cli(*args):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def runs(b2b_org_path, b2c_org_path, tmp_path_factory):
    """oracle: `crmweaver eval` on B2B (2 trials) and B2C tasks, in one run folder; scripted: a model
    that queries, makes an error, answers None, and meets an infra error on the last task."""
    root = tmp_path_factory.mktemp("report")
    with open_org(b2b_org_path) as org:
        b2b = synthesize(org, per_type=2, seed=5, types=TYPES)
    with open_org(b2c_org_path) as org:
        b2c = synthesize(org, per_type=1, seed=5, types=TYPES[:2])
    write_tasks(root / "b2b.jsonl", b2b)
    write_tasks(root / "b2c.jsonl", b2c)
    cli("eval", "--org", b2b_org_path, "--tasks", root / "b2b.jsonl", "--trials", 2, "--out", root / "oracle")
    cli("eval", "--org", b2c_org_path, "--tasks", root / "b2c.jsonl", "--out", root / "oracle-b2c")
    with (root / "oracle" / "results.jsonl").open("a") as f:  # one run over both orgs
        f.write((root / "oracle-b2c" / "results.jsonl").read_text())
    write_summary(root / "oracle")
    replies: list = []
    for _ in b2b[:-1]:
        replies += [f"<thought>Look at cases.</thought><execute>{GOOD_QUERY}</execute>",
                    f"<thought>One more field.</thought><execute>{BAD_QUERY}</execute>", "<respond>None</respond>"]
    replies.append(InfraError("HTTP 503 from the scripted endpoint"))
    scripted = ScriptedBackend(replies)
    evaluate(b2b_org_path, b2b, lambda: scripted, EvalConfig(model="scripted"), out_dir=root / "scripted")
    return root


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium; .ci/run does)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)  # a fresh temporary profile per launch
        yield b
        b.close()


class Page:
    """A report opened in a new tab, with every console error, page error and non-file request kept."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.fetched: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else self.fetched.append(r.url))
        self.page.goto(path.as_uri())

    def cell(self, table: str, org: str, row: str, run: str) -> str:
        selector = f'table[data-table="{table}"][data-org="{org}"] tr[data-row="{row}"] td[data-run="{run}"]'
        return self.page.locator(selector).text_content().strip()  # text_content: the per-type table sits in a closed <details>

    def count(self) -> str:
        return self.page.inner_text("#count")


def with_ci(value: float, ci: list[float]) -> str:
    return f"{100 * value:.1f} [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def test_report_of_real_runs_in_chromium(runs, browser, tmp_path):
    out = tmp_path / "report.html"
    result = cli("report", runs / "oracle", runs / "scripted", "--html", out)
    assert "2 run(s)" in result.output and out.is_file()
    page = Page(browser, out)
    p = page.page

    for run in ("oracle", "scripted"):  # the tables read exactly as summary.json
        s = json.loads((runs / run / "summary.json").read_text())
        g = s["overall"]
        assert page.cell("scores", "all", "ALL", run) == with_ci(g["all"], g["ci"]["ALL"])
        assert page.cell("scores", "all", "non-None golds", run) == with_ci(g["non_none"], g["ci"]["non-None"])
        for skill, value in g["skills"].items():
            assert page.cell("scores", "all", skill, run) == with_ci(value, g["ci"][skill])
        for k, value in g["pass_k"].items():
            assert page.cell("scores", "all", f"pass^{k}", run) == f"{100 * value:.1f}"
        assert page.cell("scores", "all", "episodes", run) == str(g["n"])
        assert page.cell("scores", "all", "infra errors", run) == str(g["infra_errors"])
        for code, t in g["types"].items():
            assert page.cell("types", "all", code, run) == with_ci(t["mean"], g["ci"][f"type:{code}"])
    oracle = json.loads((runs / "oracle" / "summary.json").read_text())
    for family in ("b2b", "b2c"):  # per org: the oracle's by_org groups
        g = oracle["by_org"][family]
        assert page.cell("scores", family, "ALL", "oracle") == with_ci(g["all"], g["ci"]["ALL"])
    assert page.cell("scores", "b2c", "ALL", "scripted") == "-"  # the scripted model never ran on B2C
    assert page.cell("scores", "all", "pass^2", "oracle") == "100.0"
    diff = p.inner_text('table[data-table="diffs"][data-org="all"] tr[data-row="ALL"] td')
    assert diff.startswith("-") and "[" in diff  # scripted − oracle, a paired interval
    non_none = p.inner_text('table[data-table="diffs"][data-org="all"] tr[data-row="non-None golds"] td')
    assert non_none.startswith("-100.0")  # the oracle answers every non-None gold; the scripted model none
    assert "HTTP 503" in p.inner_text('table[data-table="infra"]')
    assert p.locator("#behaviour img").count() >= 3  # pass^k, terminations, distributions

    n_oracle = 2 * 2 * len(TYPES) + 2
    n_scripted = 2 * len(TYPES)
    assert page.count() == f"{n_oracle + n_scripted} of {n_oracle + n_scripted} episodes"
    p.select_option("#f-run", label="scripted")
    assert page.count() == f"{n_scripted} of {n_oracle + n_scripted} episodes"
    assert set(p.locator("#episode-list tbody tr td:first-child").all_inner_texts()) == {"scripted"}
    p.select_option("#f-infra", "yes")
    assert page.count().startswith("1 of ")
    p.select_option("#f-infra", "")
    p.select_option("#f-task", "handle_time")
    p.select_option("#f-termination", "respond")
    assert page.count() == f"2 of {n_oracle + n_scripted} episodes"

    p.locator("#episode-list tbody tr").first.click()  # the scripted episode, the oracle's beside it
    p.wait_for_selector("#episode .ep")
    eps = p.locator("#episode .ep")
    assert eps.count() == 2
    first, second = eps.nth(0), eps.nth(1)
    assert first.locator("h4").inner_text().startswith("scripted · handle_time")
    assert second.locator("h4").inner_text().startswith("oracle · handle_time")
    assert [q.inner_text() for q in first.locator("pre.query").all()] == [GOOD_QUERY, BAD_QUERY]
    assert first.locator("pre.query .hl-k").count() >= 2  # SELECT, FROM highlighted
    assert first.locator(".obs table tbody tr").count() == 2  # the two cases, as a table
    assert "INVALID_FIELD" in first.locator(".turn.bad .error").first.inner_text()
    assert first.locator(".final-answer").inner_text() == "None"
    oracle_record = next(json.loads(x) for x in (runs / "oracle" / "results.jsonl").read_text().splitlines()
                         if json.loads(x)["task"] == "handle_time")
    assert second.locator(".final-answer").inner_text() == oracle_record["response"]
    assert json.loads(second.locator(".gold").inner_text()) == oracle_record["expected"]
    assert second.locator("pre.query").count() == oracle_record["tool_calls"]
    first.locator("details summary").click()  # the system prompt, inflated on demand
    assert "# Org schema" in first.locator("details pre").inner_text()

    assert page.errors == [] and page.fetched == []
    p.close()


def test_torn_and_partial_run_folders_render_with_a_notice(runs, browser, tmp_path):
    torn = tmp_path / "torn"
    shutil.copytree(runs / "scripted", torn)
    (torn / "summary.json").unlink()
    with (torn / "results.jsonl").open("a") as f:
        f.write('{"key": "cut-sh')  # the write a kill cut short
    summary_only = tmp_path / "summary-only"
    summary_only.mkdir()
    shutil.copy(runs / "oracle" / "summary.json", summary_only)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "run.json").write_text("{not json")
    out = tmp_path / "partial.html"
    held = lock_run(torn)  # as an eval still writing it holds it
    result = cli("report", torn, summary_only, empty, "--html", out)
    held.close()
    assert "torn" in result.output and "no summary.json" in result.output and "still writing" in result.output
    page = Page(browser, out)
    notices = page.page.locator(".notice").all_inner_texts()
    text = "\n".join(notices)
    assert "the last line is torn" in text and "has no summary.json" in text and "its figures are partial" in text
    assert "scores come from summary.json" in text and "not readable JSON" in text and "nothing to score" in text
    oracle = json.loads((runs / "oracle" / "summary.json").read_text())["overall"]
    assert page.cell("scores", "all", "ALL", "summary-only") == with_ci(oracle["all"], oracle["ci"]["ALL"])
    scripted = json.loads((runs / "scripted" / "summary.json").read_text())["overall"]
    assert page.cell("scores", "all", "ALL", "torn") == with_ci(scripted["all"], scripted["ci"]["ALL"])
    assert page.count() == f"{scripted['n']} of {scripted['n']} episodes"
    assert page.errors == [] and page.fetched == []
    page.page.close()


def test_training_study_report(cpu_smoke_study, browser, tmp_path):
    study, _ = cpu_smoke_study
    out = tmp_path / "study.html"
    cli("report", study, "--html", out)
    page = Page(browser, out)
    p = page.page
    section = p.locator('.study[data-study="study"]')
    steps = [json.loads(x) for x in (study / "rl" / "metrics.jsonl").read_text().splitlines()]
    signal = sum(bool(r.get("signal", (r.get("trained_tokens") or 0) > 0)) for r in steps)
    assert f"{signal} of {len(steps)}" in section.inner_text()
    alts = [img.get_attribute("alt") for img in section.locator("img").all()]
    assert {"SFT loss", "RL reward", "RL memory and groups", "learning curve"} <= set(alts)
    curve = section.locator('table[data-table="curve"] tbody tr')
    assert curve.first.locator("td").first.inner_text() == "0" and curve.count() >= 3  # base, after 2, all
    seen = json.loads((study / "sft" / "sft.json").read_text())["episodes_seen"]
    assert curve.last.locator("td").first.inner_text() == str(seen)  # the SFT policy: every example of every epoch counted
    base = json.loads((study / "runs" / "base-mem-off" / "summary.json").read_text())["overall"]
    assert page.cell("scores", "all", "ALL", "base-mem-off") == with_ci(base["all"], base["ci"]["ALL"])
    assert p.locator('#f-run option').count() == 1 + len(list((study / "runs").iterdir()))
    assert page.errors == [] and page.fetched == []
    p.close()


def test_view_prints_the_report_path_and_bad_folders_are_one_line(runs, tmp_path):
    result = CliRunner().invoke(app, ["view", str(runs / "scripted")])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.name == "report.html" and "<!DOCTYPE html>" in path.read_text()
    shutil.rmtree(path.parent)
    bad = CliRunner().invoke(app, ["report", str(tmp_path / "missing"), "--html", str(tmp_path / "r.html")], env={"COLUMNS": "300"})
    assert bad.exit_code == 1 and "is not a folder" in bad.output and not (tmp_path / "r.html").exists()


def test_committed_cpu_demo_study_renders_its_curves(browser, tmp_path):
    """docs/results/cpu-demo holds the study's logs but no runs: its curves render, and a notice says so."""
    study = Path(__file__).parent.parent / "docs" / "results" / "cpu-demo"
    out = tmp_path / "cpu-demo.html"
    cli("report", study, "--html", out)
    page = Page(browser, out)
    p = page.page
    assert "holds no evaluation runs" in p.inner_text(".study .notice")
    assert "2 of 12" in p.inner_text(".study")  # RL steps with a gradient, from rl/metrics.jsonl
    assert {"SFT loss", "RL reward"} <= {img.get_attribute("alt") for img in p.locator(".study img").all()}
    assert p.locator("#viewer").count() == 0
    assert page.errors == [] and page.fetched == []
    p.close()


def test_hostile_messages_never_break_the_viewer_data():
    """Whatever a model or a hand-edited file put in the messages, every episode gets a readable detail."""
    from crmweaver.evaluate import ResultRecord
    from crmweaver.report.episodes import detail, viewer_data

    deep = "[" * 5000 + "]" * 5000
    record = ResultRecord(key="k", task="handle_time", reward=0, messages=[
        {"role": "system", "content": "sys\n\n# Guideline from similar tasks\nDo X.\n\n# The user\nsomeone"},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "<thought>t<execute>SELECT Id FROM Case"},  # tags never closed
        {"role": "user", "content": deep},
        {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "respond", "arguments": "{bad json"}}]},
        {"role": "tool", "content": '[{"errorCode": "INVALID_FIELD", "message": "No such column"}]'},
        {"role": "assistant", "content": "</script><script>alert(1)</script><respond>x</respond>"},
    ])
    d = detail(record, {})
    assert d["guideline"] == "Do X." and d["request"] == "q"
    kinds = [t.get("kind") or t["role"] for t in d["turns"]]
    assert kinds == ["execute", "observation", "invalid", "observation", "respond"]
    assert d["turns"][0]["thought"] == "t" and d["turns"][3]["error"] == ["INVALID_FIELD: No such column"]
    broken = record.model_copy(update={"messages": [{"role": "assistant", "content": 42}]})  # not text: the episode says so
    data = viewer_data([[record, broken]])
    assert len(data["index"]) == len(data["details"]) == 2
