"""The per-skill table (CRMArena-Pro's layout): skills, ALL, confidentiality apart, then pass^k and costs;
next to them the accuracy on non-None golds, the constant-"None" baseline and 95 % bootstrap intervals."""

from __future__ import annotations

from rich.table import Table

from crmweaver.evaluate.summary import GroupSummary, Summary
from crmweaver.tasks.types import SKILLS


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _with_ci(value: float | None, ci: list[float] | None) -> str:
    """`12.3 [5.0, 20.1]`: a score and its 95 % interval, in %."""
    return _pct(value) if value is None or not ci else f"{100 * value:.1f} [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def summary_table(summary: Summary, title: str | None = None) -> Table:
    """Scores in percent; one column per org family (B2B, B2C) when both are present."""
    groups: dict[str, GroupSummary] = (
        {name.upper(): g for name, g in summary.by_org.items()} if summary.by_org else {"score": summary.overall}
    )
    table = Table(title=title or f"{summary.model or 'model'} · {summary.trials} trial(s)")
    table.add_column("")
    for name in groups:
        table.add_column(name, justify="right")

    def row(label: str, get, style: str | None = None) -> None:
        table.add_row(label, *(get(g) if g else "-" for g in groups.values()), style=style)

    for skill in SKILLS:
        row(skill, lambda g, s=skill: _pct(g.skills.get(s)))
    row("ALL", lambda g: _with_ci(g.all, g.ci.get("ALL")), style="bold")
    row("confidentiality", lambda g: _pct(g.confidentiality))
    row("non-None golds", lambda g: _with_ci(g.non_none, g.ci.get("non-None")) + f" (n={g.non_none_n})")
    row("answer None: ALL", lambda g: _pct(g.none_baseline.get("ALL")))
    table.add_section()
    for k in range(1, summary.trials + 1):
        row(f"pass^{k}", lambda g, k=k: _pct(g.pass_k.get(k)))
    table.add_section()
    row("episodes", lambda g: str(g.n))
    row("infra errors", lambda g: str(g.infra_errors))
    row("tokens in / out", lambda g: f"{g.prompt_tokens:,.0f} / {g.completion_tokens:,.0f}")
    row("turns", lambda g: f"{g.turns:.1f}")
    row("queries", lambda g: f"{g.tool_calls:.1f}")
    row("latency (s)", lambda g: f"{g.latency_s:.2f}")
    return table


def type_table(summary: Summary) -> Table:
    """Per task type: mean reward and count (the detail behind the skill rows)."""
    groups = summary.by_org or ({"score": summary.overall} if summary.overall else {})
    table = Table(title="per task type")
    table.add_column("type")
    for name in groups:
        table.add_column(name.upper() if summary.by_org else name, justify="right")
    codes = sorted({c for g in groups.values() for c in g.types})
    for code in codes:
        cells = []
        for g in groups.values():
            t = g.types.get(code)
            cells.append("-" if t is None else f"{100 * t.mean:.1f} (n={t.n})")
        table.add_row(code, *cells)
    return table


Rows = list[tuple[str, list[str]]]


NONE_COLUMN = 'answer "None"'


def compare_rows(summaries: dict[str, Summary], *, intervals: bool = False, baseline: bool = False) -> tuple[Rows, Rows, list[str]]:
    """The cells of runs side by side, one per run: (skill rows with ALL, non-None golds and
    confidentiality, per-type rows, episodes). `intervals`: each cell carries its 95 % bootstrap
    interval; `baseline`: a last cell per row, what a constant "None" answer scores on the first
    run's tasks (NONE_COLUMN). compare_table draws them for the terminal; the training study writes markdown."""
    overall = [s.overall for s in summaries.values()]
    first = next((g for g in overall if g), None)

    def cells(get, key: str) -> list[str]:
        row = [(_with_ci(get(g), g.ci.get(key)) if intervals else _pct(get(g))) if g else "-" for g in overall]
        if baseline:
            row.append(_pct(first.none_baseline.get(key)) if first else "-")
        return row

    skills = [(skill, cells(lambda g, s=skill: g.skills.get(s), skill)) for skill in SKILLS]
    skills += [("ALL", cells(lambda g: g.all, "ALL")), ("non-None golds", cells(lambda g: g.non_none, "non-None")),
               ("confidentiality", cells(lambda g: g.confidentiality, "confidentiality"))]
    codes = sorted({c for g in overall if g for c in g.types})
    types = [(code, cells(lambda g, c=code: g.types[c].mean if c in g.types else None, f"type:{code}")) for code in codes]
    episodes = [str(g.n) if g else "0" for g in overall] + ([str(first.n) if first else "0"] if baseline else [])
    return skills, types, episodes


def compare_table(summaries: dict[str, Summary], *, per_type: bool = False) -> Table:
    """Runs side by side (e.g. memory off vs on, base vs trained): per skill, ALL, and optionally per type."""
    table = Table(title="runs compared (scores in %)")
    table.add_column("")
    for label in summaries:
        table.add_column(label, justify="right")
    table.add_column(NONE_COLUMN, justify="right", style="dim")
    skills, types, episodes = compare_rows(summaries, baseline=True)
    for name, row in skills:
        table.add_row(name, *row, style="bold" if name == "ALL" else None)
    if per_type:
        table.add_section()
        for name, row in types:
            table.add_row(name, *row)
    table.add_section()
    table.add_row("episodes", *episodes)
    return table
