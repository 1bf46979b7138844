"""Shared session fixtures: small generated orgs (scale 0.1), built once per test session."""

from __future__ import annotations

import pytest

from crmweaver.org.generate import build_org

SMALL_SCALE = 0.1


@pytest.fixture(scope="session")
def b2b_org_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("orgs") / "b2b.db"
    build_org(path, preset="b2b", seed=0, scale=SMALL_SCALE)
    return path


@pytest.fixture(scope="session")
def b2c_org_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("orgs") / "b2c.db"
    build_org(path, preset="b2c", seed=0, scale=SMALL_SCALE)
    return path


@pytest.fixture(scope="session")
def cpu_smoke_study(tmp_path_factory):
    """`crmweaver train pipeline --preset cpu-smoke`, run once per session (the pipeline and the HTML
    report tests read it): (the study folder, the command's output)."""
    pytest.importorskip("torch")
    pytest.importorskip("trl")
    from typer.testing import CliRunner

    from crmweaver.cli import app

    out = tmp_path_factory.mktemp("study") / "study"
    result = CliRunner().invoke(app, ["train", "pipeline", "--preset", "cpu-smoke", "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="session")
def scale1_orgs(tmp_path_factory):
    """Scale-1 orgs of both presets (seed 0), keyed by preset: task synthesis tests run on these."""
    root = tmp_path_factory.mktemp("orgs1")
    paths = {}
    for preset in ("b2b", "b2c"):
        paths[preset] = root / f"{preset}.db"
        build_org(paths[preset], preset=preset, seed=0, scale=1.0)
    return paths
