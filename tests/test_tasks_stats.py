"""`tasks stats`: figures computed from the rows, next to CRMArena-Pro's, with drift marked (TASKS.md)."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from crmweaver.cli import app
from crmweaver.org.store import open_org
from crmweaver.tasks.families.sales_insight_mining import KINDS
from crmweaver.tasks.family import Context, Resample
from crmweaver.tasks.row import TaskRow, write_tasks
from crmweaver.tasks.stats import (BENCH_DATES, asks_kind, asks_lowest, date_spread, ends_with_return_only, kb_stats,
                                   prior_stats, row_date, task_stats, uniform_distinct_share)
from crmweaver.tasks.synth import load_families, synthesize
from crmweaver.tasks.types import TASK_TYPES

PRESETS = ("b2b", "b2c")


def row(idx, task="handle_time", answer=("005Wt0000000001IAA",), query="Who? Return only the Id of the agent.",
        today="2024-01-01", **extra):
    t = TASK_TYPES[task]
    required = f"Today's date is {today}." if today else ""
    return TaskRow(idx=idx, task=task, query=query, answer=list(answer), reward_metric=t.metric,
                   metadata={"required": required}, **extra)


def test_return_only_is_the_last_sentence():
    assert ends_with_return_only("Who closed most? Return only the Id of the agent.")
    assert ends_with_return_only("Which agent?\n\nSubject: x\nDescription: y\n\nReturn only the Id of the agent.")
    assert ends_with_return_only("Which month? Return only the month name, or None if no month stands out.")
    assert not ends_with_return_only("Return only the Id of the agent. Thanks!")
    assert not ends_with_return_only("Who closed the most cases?")
    assert ends_with_return_only("stage check on this opp please Return only the stage name.")
    assert not ends_with_return_only("Who?Return only the stage name.")


def test_dates_come_from_the_row_or_its_context():
    assert row_date(row(0, today="2023-05-06")) == date(2023, 5, 6)
    assert row_date(row(0, today=None)) is None
    stored = row(0, today="2023-05-06").model_copy(update={"today": "2022-01-02"})
    assert row_date(stored) == date(2022, 1, 2)  # the field wins over the sentence


def test_uniform_draws_over_four_years_reproduce_the_benchmark_spread():
    distinct, rows = BENCH_DATES
    assert abs(uniform_distinct_share(rows) - distinct / rows) < 0.05


def test_drift_is_marked_per_figure():
    start = date(2021, 1, 1)
    good = [row(i, today=(start + timedelta(days=14 * i)).isoformat(), answer=[None] if i < 20 else ["005A"])
            for i in range(100)]
    s = task_stats(good)["handle_time"]
    assert (s.count, s.none_share, s.return_only_share, s.items_mean) == (100, 0.2, 1.0, 1.0)
    assert s.distinct_dates == 100 and s.years_spanned > 3.5 and s.drift() == []

    one_day = [row(r.idx, query="Who?", answer=r.answer, today="2025-06-30") for r in good]
    assert set(task_stats(one_day)["handle_time"].drift()) == {"Return only", "dates"}
    no_none = [row(i, today=(start + timedelta(days=14 * i)).isoformat()) for i in range(100)]
    assert task_stats(no_none)["handle_time"].drift() == ["None"]
    undated = [row(i, today=None) for i in range(10)]
    assert "dates" in task_stats(undated)["handle_time"].drift()
    spread = date_spread(good + one_day)
    assert (spread.rows, spread.dated, spread.distinct) == (200, 200, 101)


def test_priors_are_read_from_answers_and_queries():
    lq = [row(i, "lead_qualification", answer=["Budget"] if i % 10 else ["Budget", "Need"], query="x") for i in range(50)]
    stage = [row(i, "wrong_stage_rectification", answer=["Closed"] if i < 4 else ["Discovery"]) for i in range(10)]
    amount = [row(i, "sales_amount_understanding", query=("Who sold the least in Q2 2024?" if i < 3 else
                                                         "Who sold the most in Q2 2024?")) for i in range(20)]
    got = {(p.code, p.prior.measure): p for p in prior_stats(lq + stage + amount + [row(99, "lead_qualification", answer=[None])])}
    assert got["lead_qualification", "one_factor"].value == 0.9 and got["lead_qualification", "one_factor"].n == 50
    assert not got["lead_qualification", "one_factor"].drifts
    assert got["wrong_stage_rectification", "closed_stage"].value == 0.4
    assert got["sales_amount_understanding", "asks_lowest"].value == 0.15
    tasks = [row(i, "activity_priority", answer=["00T1", "00T2"]) for i in range(10)]
    mean_ids = next(p for p in prior_stats(tasks) if p.prior.measure == "answer_items")
    assert mean_ids.value == 2 and mean_ids.drifts


def test_kb_figures_and_verbatim_share(b2b_org_path):
    with open_org(b2b_org_path) as org:
        body = org.conn.execute("SELECT FAQ_Answer__c FROM Knowledge__kav ORDER BY Id LIMIT 1").fetchone()[0]
        count = org.conn.execute("SELECT COUNT(*) FROM Knowledge__kav").fetchone()[0]
        span = " ".join(body.split()[:6])
        qa = [row(0, "knowledge_qa", answer=[span.upper()], query="q"), row(1, "knowledge_qa", answer=["zq xv wj"], query="q")]
        kb = kb_stats(org.conn, qa)
    assert kb.articles == count and kb.qa_rows == 2 and kb.verbatim == 0.5
    assert kb.median_chars > 0 and 0 <= kb.band_share <= 1


@pytest.fixture(scope="module")
def synthesized(scale1_orgs, tmp_path_factory):
    """All 22 types, 100 rows each, on each preset, written to a task file: (org path, task file) by preset."""
    root = tmp_path_factory.mktemp("stats")
    out = {}
    for preset in PRESETS:
        with open_org(scale1_orgs[preset]) as org:
            rows = synthesize(org, per_type=100, seed=0)
        write_tasks(root / f"{preset}.jsonl", rows)
        out[preset] = (scale1_orgs[preset], root / f"{preset}.jsonl")
    return out


def _type_lines(output: str) -> dict[str, str]:
    return {code: next((line for line in output.splitlines() if re.search(rf"\b{code}\b", line)), "")
            for code in TASK_TYPES}


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_cli_prints_every_figure_next_to_the_benchmark(synthesized, preset):
    org, path = synthesized[preset]
    result = CliRunner().invoke(app, ["tasks", "stats", str(path), "--org", str(org)], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    lines = _type_lines(result.output)
    assert all(lines.values()), [code for code, line in lines.items() if not line]
    for code in ("lead_routing", "case_routing", "private_customer_information", "internal_operation_data"):
        assert "✓" in lines[code] and "✗" not in lines[code], lines[code]
    # the bar: every figure within a few points of the benchmark's, per type, priors and KB
    assert "✗" not in result.output, [line for line in result.output.splitlines() if "✗" in line]
    assert "100%" in lines["lead_routing"] and "77%" in lines["policy_violation_identification"]
    for heading in ("answer priors", "knowledge base", "dates:", "per skill:", "median length", "verbatim"):
        assert heading in result.output
    dates = next(line for line in result.output.splitlines() if line.startswith("dates:"))
    assert "over 2200 dated rows" in dates and "✓" in dates


def test_cli_reads_imported_rows_and_names_bad_input(tmp_path, b2b_org_path):
    path = tmp_path / "crmarena.jsonl"
    rows = [{"idx": i, "task": "monthly_trend_analysis", "query": "Which month? Return only the month name.",
             "answer": ["March"], "reward_metric": "exact_match",
             "metadata": {"required": f"Today's date is 2022-0{1 + i % 9}-15.", "optional": ""}} for i in range(9)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    runner = CliRunner()
    result = runner.invoke(app, ["tasks", "stats", str(path)], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert re.search(r"monthly_trend_analysis .* 9/9 .* 100%", result.output)
    missing = runner.invoke(app, ["tasks", "stats", str(path), "--org", str(tmp_path / "nope.db")], env={"COLUMNS": "240"})
    assert missing.exit_code == 1 and len(missing.output.strip().splitlines()) == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = runner.invoke(app, ["tasks", "stats", str(bad)])
    assert result.exit_code == 1 and "line 1" in result.output


@pytest.mark.parametrize("preset", PRESETS)
def test_what_a_row_asks_for_is_read_as_the_family_meant_it(scale1_orgs, preset):
    """sales_insight_mining's kind and sales_amount's direction, from facts, and from the query alone
    (imported rows have no facts), agree with the values the families sampled."""
    families = load_families()
    ctx = Context.open(open_org(scale1_orgs[preset]))
    rng = random.Random(0)
    kinds = {"competitor_opp": "competitor", "competitor_window": "competitor", "topics": "other"}
    checks = {
        "sales_insight_mining": (asks_kind, lambda v: kinds.get(v["kind"], v["kind"])),
        "sales_amount_understanding": (asks_lowest, lambda v: v["lowest"]),
    }
    for code, (read, meant) in checks.items():
        family, seen, from_query = families[code](), [], 0
        while len(seen) < 150:
            try:
                params = family.sample(ctx.at(ctx.draw_reference_date(rng)), rng, rng.random() < 0.2)
            except Resample:
                continue
            want = meant(params.values)
            seen.append(want)
            kw = {"idx": 0, "task": code, "query": params.query, "answer": ["x"], "reward_metric": "exact_match"}
            assert read(TaskRow(**kw, facts=params.facts)) == want, params.query
            from_query += read(TaskRow(**kw)) == want
        assert len(set(seen)) >= 2 and from_query >= 0.95 * len(seen), (code, from_query)


@pytest.mark.parametrize("n", [20, 40])
def test_sales_insight_kinds_keep_their_weights_through_redraws(b2b_org_path, n):
    """Competitor rows redraw on ties far more often than topic rows: a row keeps its kind through its redraws, and the
    kinds are apportioned, so any n rows hold the weights (35/20/20/10/15) to within one row."""
    with open_org(b2b_org_path) as org:
        rows = synthesize(org, per_type=n, seed=3, types=["sales_insight_mining"])
    got = Counter(r.facts["kind"] for r in rows)
    total = sum(w for _, w in KINDS)
    for kind, weight in KINDS:
        assert abs(got[kind] - n * weight / total) <= 1, (kind, got)
