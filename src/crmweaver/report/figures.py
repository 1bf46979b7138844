"""The report's charts, drawn by matplotlib as SVG and embedded as data URIs (each chart its own
document, so the ids matplotlib writes never collide, and the page needs no script to show them).

matplotlib's object API (Figure, not pyplot): no pyplot figure registry and no GUI backend; the
style is an rc context around each chart.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence
from typing import Any

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
RC = {"svg.fonttype": "none", "svg.hashsalt": "crmweaver", "font.size": 9, "axes.spines.top": False,
      "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3}


def _styled(draw: Callable[..., str]) -> Callable[..., str]:
    """Draw and save under the report's style (an rc context, so nothing global changes)."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        import matplotlib

        with matplotlib.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


@_styled
def type_bars(labels: Sequence[str], codes: Sequence[str], values: Sequence[Sequence[tuple[float | None, list[float] | None]]]) -> str:
    """Per task type, one bar per run (mean reward, %) with its 95 % bootstrap interval."""
    import numpy as np

    n = max(1, len(labels))
    fig = _figure(8, min(16.0, 1.0 + len(codes) * max(0.25, 0.1 * n)))
    ax = fig.add_subplot()
    y = np.arange(len(codes))
    height = 0.8 / n
    for i, label in enumerate(labels):
        means = [100 * (v[i][0] or 0) for v in values]
        err = [[100 * ((v[i][0] or 0) - v[i][1][0]) if v[i][1] else 0 for v in values],
               [100 * (v[i][1][1] - (v[i][0] or 0)) if v[i][1] else 0 for v in values]]
        ax.barh(y - 0.4 + height * (i + 0.5), means, height, xerr=np.clip(err, 0, None), label=label, color=color(i),
                error_kw={"elinewidth": 0.8, "capsize": 1.5, "ecolor": "#333"})
    ax.set_yticks(y, codes)
    ax.invert_yaxis()
    ax.set_xlim(0, 105)
    ax.set_xlabel("mean reward (%) · bars: 95 % bootstrap interval")
    ax.legend(loc="lower right", fontsize=8)
    return _uri(fig)


@_styled
def pass_k(labels: Sequence[str], curves: Sequence[dict[int, float]]) -> str:
    """pass^k against k, one line per run."""
    fig = _figure(5, 3)
    ax = fig.add_subplot()
    for i, (label, curve) in enumerate(zip(labels, curves, strict=True)):
        ks = sorted(curve)
        ax.plot(ks, [100 * curve[k] for k in ks], marker="o", label=label, color=color(i))
    ax.set_xlabel("k (trials that must all succeed)")
    ax.set_ylabel("pass^k (%)")
    ax.set_ylim(-2, 102)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8)
    return _uri(fig)


DISTRIBUTIONS = (("turns", "turns"), ("tool_calls", "queries"), ("tokens", "tokens (in + out)"), ("latency_s", "latency (s)"))


@_styled
def distributions(labels: Sequence[str], runs: Sequence[Sequence[dict[str, Any]]]) -> str:
    """Histograms of turns, queries, tokens and latency per episode, runs overlaid."""
    import numpy as np

    fig = _figure(9, 4.6)
    axes = fig.subplots(2, 2).ravel()
    for ax, (key, title) in zip(axes, DISTRIBUTIONS, strict=True):
        series = []
        for records in runs:
            if key == "tokens":
                series.append([float(r.prompt_tokens + r.completion_tokens) for r in records])
            else:
                series.append([float(getattr(r, key)) for r in records])
        every = [v for s in series for v in s]
        if not every:
            continue
        lo, hi = min(every), max(every)
        integer = key in ("turns", "tool_calls")
        bins = np.arange(lo - 0.5, hi + 1.5) if integer and hi - lo < 60 else np.linspace(lo, hi if hi > lo else lo + 1, 30)
        for i, (label, values) in enumerate(zip(labels, series, strict=True)):
            if values:
                ax.hist(values, bins=bins, histtype="step", linewidth=1.4, label=label, color=color(i))
        ax.set_title(title)
        ax.set_ylabel("episodes")
    axes[0].legend(fontsize=7)
    return _uri(fig)


@_styled
def terminations(labels: Sequence[str], counts: Sequence[dict[str, int]]) -> str:
    """How episodes ended (respond, max_turns, infra_error, …), stacked per run."""
    reasons = sorted({k for c in counts for k in c})
    fig = _figure(8, 0.8 + 0.35 * len(labels))
    ax = fig.add_subplot()
    left = [0.0] * len(labels)
    palette = {"respond": "#2ca02c", "user_stop": "#98df8a", "max_turns": "#ff7f0e", "infra_error": "#d62728"}
    for j, reason in enumerate(reasons):
        widths = [float(c.get(reason, 0)) for c in counts]
        ax.barh(list(labels), widths, left=left, label=reason, color=palette.get(reason, color(j + 4)))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("episodes")
    ax.legend(fontsize=8, ncols=min(4, len(reasons)), loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(labels) < 3 else -0.12))
    return _uri(fig)


@_styled
def lines(title: str, xlabel: str, series: Sequence[tuple[str, Sequence[float], Sequence[float | None]]],
          marks: Sequence[tuple[float, float]] = (), mark_label: str = "", ylabel: str = "") -> str:
    """A few named curves against one x axis (training logs); `marks` are highlighted points."""
    fig = _figure(5.2, 3)
    ax = fig.add_subplot()
    for i, (name, xs, ys) in enumerate(series):
        pts = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3, label=name, color=color(i))
    if marks:
        ax.scatter([m[0] for m in marks], [m[1] for m in marks], s=60, facecolors="none", edgecolors="#d62728",
                   linewidths=1.5, label=mark_label, zorder=3)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if ylabel:
        ax.set_ylabel(ylabel)
    if len(series) > 1 or marks:
        ax.legend(fontsize=7)
    return _uri(fig)


@_styled
def learning_curve(points: Sequence[tuple[int, float | None, list[float] | None, float | None]]) -> str:
    """Held-out ALL (with its interval) and non-None accuracy against SFT episodes seen."""
    fig = _figure(5.2, 3)
    ax = fig.add_subplot()
    xs = [p[0] for p in points]
    ax.errorbar(xs, [100 * (p[1] or 0) for p in points],
                yerr=[[100 * ((p[1] or 0) - p[2][0]) if p[2] else 0 for p in points],
                      [100 * (p[2][1] - (p[1] or 0)) if p[2] else 0 for p in points]],
                marker="o", capsize=3, label="ALL (95 % interval)", color=color(0))
    ax.plot(xs, [100 * (p[3] or 0) for p in points], marker="s", linestyle="--", label="non-None golds", color=color(1))
    ax.set_xlabel("SFT episodes seen")
    ax.set_ylabel("held-out score (%)")
    ax.set_ylim(-2, 102)
    ax.legend(fontsize=7)
    return _uri(fig)


@_styled
def counters(types: Sequence[str], helpful: Sequence[int], harmful: Sequence[int]) -> str:
    """The memory's helpful / harmful counters per task type."""
    import numpy as np

    fig = _figure(6, 0.9 + 0.2 * len(types))
    ax = fig.add_subplot()
    y = np.arange(len(types))
    ax.barh(y - 0.2, helpful, 0.4, label="helpful", color="#2ca02c")
    ax.barh(y + 0.2, harmful, 0.4, label="harmful", color="#d62728")
    ax.set_yticks(y, types)
    ax.invert_yaxis()
    ax.set_xlabel("episodes")
    ax.legend(fontsize=8)
    return _uri(fig)
