"""The HTML report: runs side by side (per org, with paired differences and 95 % bootstrap
intervals), charts, training curves and a trajectory viewer, in one self-contained offline file.

Every score cell comes from evaluate (summary.py computes it, table.compare_rows formats it,
intervals.difference pairs two runs), so the page reads exactly as summary.json and the terminal
tables. Jinja2 lays the page out; figures.py draws the charts; episodes.py prepares the viewer.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from crmweaver.errors import CrmweaverError
from crmweaver.evaluate.intervals import NON_NONE, difference
from crmweaver.evaluate.record import ResultRecord
from crmweaver.evaluate.summary import GroupSummary, Summary, org_family
from crmweaver.evaluate.table import NONE_COLUMN, compare_rows
from crmweaver.report import episodes, figures
from crmweaver.report.load import Loaded, Run, Study, load

EXTRA = "the report needs its extra: pip install 'crmweaver[report]'"


class MissingExtra(CrmweaverError):
    """Jinja2, matplotlib or Pygments is not installed."""


def _require() -> None:
    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
        import pygments  # noqa: F401
    except ImportError as e:
        raise MissingExtra(f"{EXTRA} ({e.name} is missing)") from None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _delta(found: tuple[float, list[float]] | None) -> tuple[str, bool]:
    """`+6.2 [-3.1, +15.0]` and whether the interval excludes 0."""
    if found is None:
        return "-", False
    d, (lo, hi) = found
    return f"{100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]", lo > 0 or hi < 0


def _family(run: Run) -> str | None:
    families = {org_family(r) for r in run.records}
    return families.pop() if len(families) == 1 else None


def _section_group(run: Run, family: str | None) -> GroupSummary | None:
    s = run.summary
    if s is None:
        return None
    if family is None:
        return s.overall
    if s.by_org:
        return s.by_org.get(family)
    return s.overall if _family(run) == family else None


def score_section(runs: list[Run], family: str | None) -> dict[str, Any]:
    """One org's (or all tasks') table: compare_rows' cells plus pass^k, costs, and differences to the first run."""
    summaries = {r.label: Summary(r.summary.model if r.summary else None, r.summary.trials if r.summary else 1,
                                  _section_group(r, family)) for r in runs}
    skills, types, episodes_row = compare_rows(summaries, intervals=True, baseline=True)
    groups = [s.overall for s in summaries.values()]
    trials = max((s.trials for s in summaries.values()), default=1)

    def row(name: str, get) -> dict[str, Any]:
        return {"name": name, "cells": [get(g) if g else "-" for g in groups] + [""], "strong": False}

    rows = [{"name": name, "cells": cells, "strong": name == "ALL"} for name, cells in skills]
    more = [row(f"pass^{k}", lambda g, k=k: _pct(g.pass_k.get(k))) for k in range(1, trials + 1)]
    more += [{"name": "episodes", "cells": episodes_row, "strong": False},
             row("infra errors", lambda g: str(g.infra_errors)),
             row("tokens in / out", lambda g: f"{g.prompt_tokens:,.0f} / {g.completion_tokens:,.0f}"),
             row("turns", lambda g: f"{g.turns:.1f}"), row("queries", lambda g: f"{g.tool_calls:.1f}"),
             row("latency (s)", lambda g: f"{g.latency_s:.2f}")]
    type_rows = [{"name": name, "cells": cells, "strong": False} for name, cells in types]

    def records(run: Run) -> list[ResultRecord]:
        return [r for r in run.records if family is None or org_family(r) == family]

    diffs: dict[str, Any] | None = None
    base = runs[0] if runs else None
    others = [r for r in runs[1:] if records(r)]
    if base is not None and records(base) and others:
        found = [difference(records(base), records(r)) for r in others]
        figure = {"non-None golds": NON_NONE}  # compare_rows' row names are intervals' figure names but this one
        keys = [(name, figure.get(name, name)) for name, _ in skills] + [(name, f"type:{name}") for name, _ in types]
        every = [{"name": name, "cells": [_delta(f.get(key)) for f in found]} for name, key in keys]
        skill_names = {name for name, _ in skills}  # types no two runs share are left out
        diffs = {"head": [f"{r.label} − {base.label}" for r in others],
                 "rows": [r for r in every if r["name"] in skill_names or any(c[0] != "-" for c in r["cells"])]}
    codes = [name for name, _ in types]
    chart = None
    if codes and any(groups):
        values = [[((g.types[c].mean if g and c in g.types else None), (g.ci.get(f"type:{c}") if g else None)) for g in groups]
                  for c in codes]
        chart = figures.type_bars(list(summaries), codes, values)
    return {"name": family.upper() if family else "all tasks", "key": family or "all", "head": list(summaries) + [NONE_COLUMN],
            "rows": rows, "more": more, "types": type_rows, "diffs": diffs, "chart": chart}


def behaviour(runs: list[Run]) -> dict[str, Any]:
    """pass^k, distributions, terminations and infra errors of the runs that have episodes."""
    with_records = [r for r in runs if r.records]
    labels = [r.label for r in with_records]
    out: dict[str, Any] = {"labels": labels}
    if not with_records:
        return out
    curves = [r.summary.overall.pass_k if r.summary and r.summary.overall else {} for r in with_records]
    out["pass_k"] = figures.pass_k(labels, curves) if any(curves) else None
    out["distributions"] = figures.distributions(labels, [r.records for r in with_records])
    counts = [Counter(rec.termination or "-" for rec in r.records) for r in with_records]
    reasons = sorted({k for c in counts for k in c})
    out["terminations"] = {"chart": figures.terminations(labels, counts), "reasons": reasons,
                           "rows": [{"label": lab, "cells": [c.get(k, 0) for k in reasons]} for lab, c in zip(labels, counts, strict=True)]}
    out["infra"] = [{"label": r.label, "n": sum(1 for x in r.records if x.infra_error),
                     "top": Counter(x.infra_error[:200] for x in r.records if x.infra_error).most_common(8)}
                    for r in with_records]
    return out


def study_view(study: Study, runs: dict[str, Run]) -> dict[str, Any]:
    """A training folder's curves: SFT loss, RL reward with the steps that had a gradient, hint rate, the learning curve, memory counters."""
    view: dict[str, Any] = {"label": study.label, "path": str(study.path), "notices": study.notices, "charts": [], "facts": [],
                            "signal": None, "curve": None}
    log = study.sft_log or [{"step": i + 1, "loss": v} for i, v in enumerate((study.sft or {}).get("losses") or [])]
    if log:
        view["charts"].append(("SFT loss", figures.lines("SFT training loss", "optimizer step",
                                                          [("loss", [r.get("step", i + 1) for i, r in enumerate(log)], [r.get("loss") for r in log])])))
    if study.sft:
        s = study.sft
        view["facts"].append(f"SFT: {s.get('examples')} episodes, {s.get('steps')} steps, loss {s.get('first_loss') or 0:.3f} → "
                             f"{s.get('last_loss') or 0:.3f}, {'LoRA' if s.get('lora') else 'full'} lr {s.get('lr')}")
    steps = study.rl_steps
    if steps:
        xs = [r.get("step", i + 1) for i, r in enumerate(steps)]
        signal = [bool(r.get("signal", (r.get("trained_tokens") or 0) > 0)) for r in steps]
        marks = [(x, r.get("reward") or 0) for x, r, s in zip(xs, steps, signal, strict=True) if s]
        view["charts"].append(("RL reward", figures.lines("RL reward per step", "optimizer step",
                                                           [("mean reward", xs, [r.get("reward") for r in steps]),
                                                            ("success rate", xs, [r.get("success") for r in steps])],
                                                           marks=marks, mark_label="step with a gradient")))
        view["charts"].append(("RL memory and groups", figures.lines("memory hints and all-equal groups", "optimizer step",
                                                                      [("hint rate (guideline shown)", xs, [r.get("hint_rate") for r in steps]),
                                                                       ("all-equal groups", xs, [r.get("equal_group_frac") for r in steps])])))
        view["charts"].append(("RL loss", figures.lines("RL loss", "optimizer step", [("loss", xs, [r.get("loss") for r in steps])])))
        n = sum(signal)
        view["signal"] = {"n": n, "of": len(steps), "share": n / len(steps)}
        written = sum(int(r.get("memory_written") or 0) for r in steps)
        view["facts"].append(f"RL: {len(steps)} steps; guidelines written back {written}; memory size "
                             f"{steps[0].get('memory_size', '-')} → {steps[-1].get('memory_size', '-')}")
    if study.screen:
        sc = study.screen
        view["facts"].append(f"screening before RL: {sc.get('tasks')} tasks × {sc.get('rollouts')} rollouts, mean pass rate "
                             f"{100 * (sc.get('mean_pass_rate') or 0):.0f} %, kept {sc.get('kept')}")
    points = []
    for n_ep, label in study.curve:
        g = runs[label].summary.overall if label in runs and runs[label].summary else None
        if g is not None:
            points.append((n_ep, g.all, g.ci.get("ALL"), g.non_none, label))
    if points:
        view["curve"] = {"chart": figures.learning_curve([p[:4] for p in points]),
                         "rows": [(p[0], p[4], _pct(p[1]), p[2], _pct(p[3])) for p in points]}
    view["memory"] = []
    for name, stats in study.memory.items():
        per_type = stats.get("per_type") or {}
        counted = any((v["helpful"] or 0) + (v["harmful"] or 0) for v in per_type.values())
        chart = figures.counters(list(per_type), [v["helpful"] or 0 for v in per_type.values()],
                                 [v["harmful"] or 0 for v in per_type.values()]) if counted else None
        view["memory"].append({"name": name, "guidelines": stats.get("items"), "helpful": stats.get("helpful"),
                               "harmful": stats.get("harmful"), "chart": chart})
    view["timings"] = [(k, f"{v / 60:.1f}") for k, v in study.timings.items()]
    return view


def _asset(name: str) -> str:
    return resources.files("crmweaver.report").joinpath("templates", name).read_text(encoding="utf-8")


def render(loaded: Loaded, *, title: str = "crmweaver report") -> str:
    """The whole page as one HTML string."""
    _require()
    import jinja2
    from markupsafe import Markup
    from pygments.formatters import HtmlFormatter

    runs = loaded.runs
    families = sorted({f for r in runs if r.summary for f in r.summary.by_org})
    sections = [score_section(runs, None)] + ([score_section(runs, f) for f in families] if families else [])
    viewer = episodes.viewer_data([r.records for r in runs])
    viewer["runs"] = [r.label for r in runs]
    overview = [{"label": r.label, "path": str(r.path), "model": (r.summary.model if r.summary else None) or r.config.model or "-",
                 "episodes": len(r.records), "trials": r.summary.trials if r.summary else "-",
                 "memory": sum(1 for x in r.records if x.memory),
                 "config": ", ".join(f"{k} {v}" for k, v in r.config.env_config.items()
                                     if k in ("protocol", "schema", "max_turns", "interactive", "memory")),
                 "notices": r.notices, "color": figures.color(i)} for i, r in enumerate(runs)]
    by_label = {r.label: r for r in runs}
    env = jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: _asset(name)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    css = _asset("report.css") + HtmlFormatter(classprefix="hl-").get_style_defs(".code")
    return env.get_template("report.html.j2").render(
        title=title, notices=loaded.notices, overview=overview, sections=sections, behaviour=behaviour(runs),
        studies=[study_view(s, by_label) for s in loaded.studies], viewer=viewer,
        css=Markup(css), js=Markup(_asset("report.js")), none_column=NONE_COLUMN)


def write_report(paths: list[Path], out: Path, *, title: str | None = None) -> Loaded:
    """Read run and study folders and write the report to `out` (the folders are not changed)."""
    loaded = load(paths)
    html = render(loaded, title=title or "crmweaver report: " + ", ".join(p.name or str(p) for p in paths))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return loaded


__all__ = ["MissingExtra", "render", "write_report"]
