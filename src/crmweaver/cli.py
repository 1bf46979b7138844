"""The `crmweaver` command: parses arguments, calls the library, turns user errors into one line."""

from __future__ import annotations

import errno
import json
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from crmweaver.errors import CrmweaverError
from crmweaver.org.schema import PRESETS
from crmweaver.org.store import open_org


class _Boundary(TyperGroup):
    """The one place user errors stop, for every command: a CrmweaverError (a missing file, a bad
    option, an endpoint that is down), an unwritable folder, a folder where a file should go, a full
    disk or a damaged SQLite file becomes one sentence and exit 1. Anything else is a bug: traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CrmweaverError as e:
            fail(str(e))
        except OSError as e:
            fail(_os_message(e))
        except sqlite3.DatabaseError as e:
            fail(_sqlite_message(e))


def _sqlite_message(e: sqlite3.DatabaseError) -> str:
    text = str(e)
    if "full" in text:
        return f"an SQLite file could not be written ({text}); free some disk space and rerun"
    if "locked" in text:
        return f"an SQLite file is locked by another process ({text}); wait for it to finish and rerun"
    if "readonly" in text or "read-only" in text:
        return f"an SQLite file is read-only ({text}); choose a folder you can write to"
    return (f"an SQLite file could not be read ({text}): it is damaged or not a crmweaver file; "
            "check an org with `crmweaver org validate ORG`, or rebuild it")


def _os_message(e: OSError) -> str:
    name = e.filename2 or e.filename  # a rename's target, else the file
    where = f"{name}: " if name else ""
    fix = {errno.ENOSPC: "free some disk space and rerun", errno.EACCES: "choose a folder you can write to",
           errno.EPERM: "choose a folder you can write to", errno.EROFS: "choose a folder you can write to",
           errno.EISDIR: "a folder has that name; choose another path", errno.ENOTDIR: "a file stands where a folder should be; choose another path",
           errno.ENOENT: "check the path"}.get(e.errno, "check the path and rerun")
    return f"{where}{e.strerror or e}; {fix}"


app = typer.Typer(help="Build, query, train and evaluate business agents on an offline CRM org.", no_args_is_help=True, cls=_Boundary)
org_app = typer.Typer(help="Build, inspect, validate and import CRM orgs.", no_args_is_help=True)
app.add_typer(org_app, name="org")
tasks_app = typer.Typer(help="Synthesize, split, summarise and import task sets.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
train_app = typer.Typer(help="Train policies: SFT cold start, then multi-turn RL with the memory in the loop.", no_args_is_help=True)
app.add_typer(train_app, name="train")

console = Console()
err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    """Print one clear line to stderr and exit 1: the boundary where user errors stop."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)  # messages name extras like crmweaver[train]
    raise typer.Exit(1)


def say(message: str) -> None:
    """A progress line on stderr, printed as it is (it may name an extra like crmweaver[train])."""
    err.print(message, highlight=False, markup=False)


def _preset(value: str) -> str:
    value = value.lower()
    if value not in PRESETS:
        raise typer.BadParameter(f"choose one of {', '.join(PRESETS)}")
    return value


def _today(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD, e.g. 2025-06-30") from None


PresetOpt = Annotated[str, typer.Option("--preset", help="Org flavour: b2b or b2c.", callback=_preset)]
TodayOpt = Annotated[Optional[str], typer.Option("--today", help="The org's fixed 'now' (YYYY-MM-DD).", callback=_today)]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace the output file if it exists.")]


def print_info(path: Path) -> None:
    with open_org(path) as org:
        meta = org.meta
        table = Table(title=f"{path}  ·  {meta['preset'].upper()}  ·  seed {meta.get('seed')}  ·  scale {meta.get('scale')}  ·  today {meta['today']}")
        table.add_column("object")
        table.add_column("records", justify="right")
        table.add_column("prefix")
        total = 0
        for obj in org.schema:
            n = org.count(obj.name)
            total += n
            table.add_row(obj.name, f"{n:,}", obj.key_prefix)
        table.add_row("[bold]total[/bold]", f"[bold]{total:,}[/bold]", "")
    console.print(table)
    console.print(f"{path.stat().st_size / 1e6:.1f} MB · query it: crmweaver query --org {path} \"SELECT Id, Subject FROM Case LIMIT 5\"")


@org_app.command("build")
def org_build(
    out: Annotated[Path, typer.Option("--out", help="Where to write the org (SQLite file).")] = Path("org.db"),
    preset: PresetOpt = "b2b",
    seed: Annotated[int, typer.Option(help="Random seed; same preset+seed+scale give identical orgs.")] = 0,
    scale: Annotated[float, typer.Option(help="Multiplier for transactional records (0.1 for tests, 10 for big).", min=0.01, max=1000)] = 1.0,
    today: TodayOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Generate a deterministic org and print what is in it.

    Example: crmweaver org build --preset b2b --seed 0 --out org.db
    """
    from crmweaver.org.generate import build_org

    if out.exists() and not overwrite:
        fail(f"{out} already exists; pass --overwrite to replace it or choose another --out")
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        build_org(out, preset=preset, seed=seed, scale=scale, today=today, progress=progress, overwrite=overwrite)
    print_info(out)


@org_app.command("info")
def org_info(path: Annotated[Path, typer.Argument(help="An org file.")]) -> None:
    """Counts per object, preset, seed, scale and today's date of an org.

    Example: crmweaver org info org.db
    """
    print_info(path)


@org_app.command("validate")
def org_validate(path: Annotated[Path, typer.Argument(help="An org file.")]) -> None:
    """Check references, picklists, formats and date order; exit 1 listing each violation.

    Example: crmweaver org validate org.db
    """
    from crmweaver.org.validate import validate

    with open_org(path) as org:
        problems = validate(org)
    for line in problems:
        console.print(f"[red]✗[/red] {line}", highlight=False)
    if problems:
        fail(f"{len(problems)} violation(s) in {path}")
    console.print(f"[green]✓[/green] {path}: no violations")


@org_app.command("import")
def org_import(
    dump: Annotated[Path, typer.Argument(help="A CRMArena-Pro style SQLite dump of an org.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the org.")] = Path("org.db"),
    preset: PresetOpt = "b2b",
    today: TodayOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Import a SQLite dump of an org (names and dates normalised to crmweaver's layout).

    Example: crmweaver org import dump.db --preset b2b --out org.db
    """
    from crmweaver.org.importer import import_dump

    import_dump(dump, out, preset=preset, today=today, overwrite=overwrite)
    print_info(out)


@app.command("query")
def query(
    text: Annotated[Optional[str], typer.Argument(help="A SOQL or SOSL query.")] = None,
    org_path: Annotated[Path, typer.Option("--org", help="The org file to query.")] = Path("org.db"),
    jsonl: Annotated[Optional[Path], typer.Option("--jsonl", help='Run every {"q": ...} line of this file (- for stdin).')] = None,
) -> None:
    """Run SOQL/SOSL and print the JSON result (or Salesforce's error list, exit status 1).

    Example: crmweaver query --org org.db "SELECT Id, Subject FROM Case LIMIT 3"
    """
    from crmweaver.soql.query import run

    if (text is None) == (jsonl is None):
        fail('give one query, or --jsonl FILE with lines like {"q": "SELECT Id FROM Case LIMIT 1"}')
    org = open_org(org_path)
    with org:
        if text is not None:
            result = run(org, text)
            print(json.dumps(result, ensure_ascii=False))
            if isinstance(result, list):
                raise typer.Exit(1)
            return
        for number, q in _jsonl_strings(jsonl, "q"):
            if q is None:
                result = [{"errorCode": "MALFORMED_REQUEST", "message": f'line {number} is not a JSON object like {{"q": "SELECT ..."}}'}]
            else:
                result = run(org, q)
            print(json.dumps(result, ensure_ascii=False), flush=True)


@app.command("mcp")
def mcp(
    org_path: Annotated[Path, typer.Option("--org", help="The org file to serve (read-only).")] = Path("org.db"),
    transport: Annotated[str, typer.Option("--transport", help="stdio (the client starts this command) or http (streamable HTTP at http://HOST:PORT/mcp).")] = "stdio",
    host: Annotated[str, typer.Option("--host", help="With --transport http: the address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="With --transport http: the port.", min=1, max=65535)] = 8000,
) -> None:
    """Serve an org to MCP clients: read-only tools execute_soql, execute_sosl, list_objects, describe_objects.

    Example: crmweaver mcp --org org.db
    """
    from crmweaver.mcp_server import check_port, serve

    if transport not in ("stdio", "http"):
        fail(f"--transport must be stdio or http, not {transport!r}")
    open_org(org_path).close()
    try:
        if transport == "http":
            check_port(host, port)
            say(f"MCP server for {org_path} at http://{host}:{port}/mcp (streamable HTTP); Ctrl-C stops it")
        serve(org_path, transport=transport, host=host, port=port)
    except KeyboardInterrupt:
        pass


def _serve_module():
    try:
        import crmweaver.serve as serve_mod
    except ImportError:
        fail("serving the org needs the serve extra: pip install 'crmweaver[serve]'")
    return serve_mod


@app.command("serve")
def serve_cmd(
    org_path: Annotated[Path, typer.Option("--org", help="The org file to serve (read-only).")] = Path("org.db"),
    port: Annotated[int, typer.Option("--port", help="HTTPS port (0 picks a free one).", min=0, max=65535)] = 8443,
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 0.0.0.0 opens it to the network.")] = "127.0.0.1",
    username: Annotated[Optional[str], typer.Option("--username", help="The API user's username.")] = None,
    password: Annotated[Optional[str], typer.Option("--password", help="Its password (prefer --credentials: options show in `ps`).")] = None,
    token: Annotated[Optional[str], typer.Option("--token", help="Its security token; clients send password+token, as to Salesforce.")] = None,
    credentials: Annotated[Optional[Path], typer.Option("--credentials", help='JSON file {"username", "password", "security_token"} instead of the three options.')] = None,
    cert: Annotated[Optional[Path], typer.Option("--cert", help="Your PEM certificate (chain) instead of the generated one.")] = None,
    key: Annotated[Optional[Path], typer.Option("--key", help="The key of --cert.")] = None,
    tls_dir: Annotated[Optional[Path], typer.Option("--tls-dir", help="Where the generated CA and certificate live (default ~/.cache/crmweaver/serve).")] = None,
    proxy_port: Annotated[Optional[int], typer.Option("--proxy-port", help="Also run the HTTPS proxy that routes *.salesforce.com here, for unmodified clients.", min=0, max=65535)] = None,
    session_hours: Annotated[float, typer.Option("--session-hours", help="Sessions end after this long without a request.", min=0.001)] = 2.0,
) -> None:
    """Serve the org as Salesforce's API over HTTPS (SOAP/OAuth login, REST query, search, describe) until Ctrl-C.

    Example: crmweaver serve --org org.db --port 8443
    """
    serve_mod = _serve_module()
    if credentials is not None and (username or password or token):
        fail("give --credentials FILE or --username/--password/--token, not both")
    try:
        if credentials is not None:
            creds = serve_mod.load_credentials(credentials)
        else:
            creds = serve_mod.Credentials(username or "", password or "", token or "")

        def ready(running) -> None:
            print(f"serving {org_path} as Salesforce at {running.instance_url}", flush=True)
            print(f"CA certificate: {running.ca_path}  (export REQUESTS_CA_BUNDLE={running.ca_path})", flush=True)
            print(f"log in as {creds.username} with password+token: SOAP {running.instance_url}/services/Soap/u/59.0, "
                  f"OAuth {running.instance_url}/services/oauth2/token; sessions end after {session_hours:g} h idle", flush=True)
            if running.proxy_url:
                bundle = serve_mod.tls.bundle_with_system_roots(running.ca_path)
                print(f"unmodified clients: export HTTPS_PROXY={running.proxy_url} REQUESTS_CA_BUNDLE={bundle}", flush=True)
            print("Ctrl-C stops it.", flush=True)

        serve_mod.serve_forever(org_path, creds, on_ready=ready, host=host, port=port, proxy_port=proxy_port,
                                tls_dir=tls_dir, certfile=cert, keyfile=key, session_ttl_s=session_hours * 3600)
    except KeyboardInterrupt:
        pass


@app.command("sf-run")
def sf_run_cmd(
    command: Annotated[list[str], typer.Argument(help="The program and its arguments, after --.")],
    org_path: Annotated[Path, typer.Option("--org", help="The org file the program reads as its Salesforce org.")] = Path("org.db"),
    tls_dir: Annotated[Optional[Path], typer.Option("--tls-dir", help="Where the generated CA lives (default ~/.cache/crmweaver/serve).")] = None,
) -> None:
    """Run an unmodified simple-salesforce program (e.g. CRMArena-Pro's harness) against the org.

    Example: crmweaver sf-run --org org.db -- python run.py
    """
    serve_mod = _serve_module()
    from crmweaver.serve.wrap import sf_run

    code = sf_run(org_path, command, tls_dir=tls_dir)
    raise typer.Exit(code)


def _progress_bar() -> Progress:
    columns = (TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=err, transient=True)


@tasks_app.command("synth")
def tasks_synth(
    org_path: Annotated[Path, typer.Option("--org", help="The org to generate tasks on.")] = Path("org.db"),
    per_type: Annotated[int, typer.Option("--per-type", help="Instances per task type.", min=1)] = 10,
    seed: Annotated[int, typer.Option(help="Random seed; same org+seed give identical tasks.")] = 0,
    types: Annotated[Optional[str], typer.Option(help="Comma-separated type codes (default: all 22).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the JSONL task file.")] = Path("tasks.jsonl"),
) -> None:
    """Generate tasks with verified gold answers and reference trajectories.

    Example: crmweaver tasks synth --org org.db --per-type 5 --out tasks.jsonl
    """
    from crmweaver.tasks.row import write_tasks
    from crmweaver.tasks.synth import synthesize

    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    org = open_org(org_path)
    with org, _progress_bar() as bar:
        job = bar.add_task("synthesizing", total=None)

        def progress(code: str, done: int, total: int) -> None:
            bar.update(job, description=code, completed=done, total=total)

        rows = synthesize(org, per_type=per_type, seed=seed, types=wanted, progress=progress)
    write_tasks(out, rows)
    console.print(f"wrote {len(rows)} tasks to {out} · summary: crmweaver tasks stats {out}")


@tasks_app.command("stats")
def tasks_stats(
    path: Annotated[Path, typer.Argument(help="A task file (JSONL or JSON list).")],
    org_path: Annotated[Optional[Path], typer.Option("--org", help="The org the tasks were made on: adds knowledge-base figures.")] = None,
) -> None:
    """Per type: None share, answer length, date spread, Return-only share and answer priors next to CRMArena-Pro's (✗ = drift).

    Example: crmweaver tasks stats tasks.jsonl --org org.db
    """
    from crmweaver.tasks.row import read_tasks
    from crmweaver.tasks.stats import (BENCH_DATE_YEARS, BENCH_DATES, KB_BENCHMARK, benchmark_items, date_spread,
                                       kb_stats, prior_stats, skill_counts, task_stats)

    rows = read_tasks(path)
    if not rows:
        fail(f"{path} holds no tasks; make some with `crmweaver tasks synth`")
    org = None
    if org_path is not None:
        org = open_org(org_path)

    def mark(drift: list[str] | bool) -> str:
        return ("✗ " + ", ".join(drift) if isinstance(drift, list) else "✗") if drift else "✓"

    stats = task_stats(rows)
    table = Table(title=f"{path} · {len(rows)} tasks · CRMArena-Pro figures from TASKS.md")
    for col, justify in (("type", "left"), ("skill", "left"), ("tasks", "right"), ("None", "right"), ("bench", "right"),
                         ("answer", "right"), ("bench", "right"), ("dates", "right"), ("years", "right"),
                         ("Return only", "right"), ("templates", "right"), ("drift", "left")):
        table.add_column(col, justify=justify)
    for s in stats.values():
        bench = benchmark_items(s.code)
        if s.answer_kind == "refusal":
            answer, bench_answer = "refusal", "refusal"
        elif s.answer_kind == "text":
            answer = f"{s.chars_median:.0f} ch" if s.chars_median is not None else "-"
            bench_answer = "short"
        else:
            answer = f"{s.items_mean:.1f}" if s.items_mean is not None else "-"
            bench_answer = {5.0: "5 (4-7)", 1.1: "1.1"}.get(bench, f"{bench:.0f}")
        ro = s.return_only_share
        table.add_row(s.code, s.skill, str(s.count), f"{s.none_share:.0%}", f"{s.target_none_share:.0%}", answer,
                      bench_answer, f"{s.distinct_dates}/{s.count}", f"{s.years_spanned:.1f}",
                      "-" if ro is None else f"{ro:.0%}", str(len(s.templates)) if s.templates else "-", mark(s.drift()))
    console.print(table)
    spread = date_spread(rows)
    console.print(
        f"dates: {spread.distinct} distinct over {spread.dated} dated rows ({spread.share:.0%}; uniform draws over "
        f"{BENCH_DATE_YEARS:.0f} years give {spread.expected_share:.0%}), spanning {spread.years:.1f} years · "
        f"benchmark ~{BENCH_DATES[0]} over {BENCH_DATES[1]}, ~{BENCH_DATE_YEARS:.0f} years · {mark(spread.drifts)}",
        highlight=False,
    )
    priors = prior_stats(rows)
    if priors:
        ptable = Table(title="answer priors")
        for col, justify in (("type", "left"), ("figure", "left"), ("rows", "right"), ("ours", "right"),
                             ("bench", "right"), ("drift", "left")):
            ptable.add_column(col, justify=justify)
        for p in priors:
            fmt = (lambda v: f"{v:.1f}") if p.prior.mean else (lambda v: f"{v:.0%}")
            ptable.add_row(p.code, p.prior.name, str(p.n), "-" if p.value is None else fmt(p.value),
                           fmt(p.prior.target), mark(p.drifts))
        console.print(ptable)
    if org is not None:
        with org:
            kb = kb_stats(org.conn, rows)
        b = KB_BENCHMARK
        ktable = Table(title=f"knowledge base · {org_path}")
        for col in ("figure", "ours", "bench"):
            ktable.add_column(col, justify="left" if col == "figure" else "right")
        ktable.add_row("articles", str(kb.articles), f"~{b.articles} (B2B)")
        ktable.add_row("median length (chars)", f"{kb.median_chars:,.0f}", f"~{b.median_chars:,}")
        ktable.add_row(f"share {b.band[0]:,}-{b.band[1]:,} chars", f"{kb.band_share:.0%}", f">{b.band_share:.0%}")
        ktable.add_row("knowledge_qa gold verbatim in an article", "-" if kb.verbatim is None else f"{kb.verbatim:.0%}",
                       f"~{b.verbatim_share:.0%}")
        console.print(ktable)
        console.print(f"knowledge base: {mark(kb.drift())}", highlight=False)
    console.print("per skill: " + ", ".join(f"{k} {v}" for k, v in skill_counts(stats).items()))


@tasks_app.command("split")
def tasks_split(
    path: Annotated[Path, typer.Argument(help="A task file.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Writes train.jsonl, dev.jsonl, test.jsonl here.")] = Path("splits"),
    dev: Annotated[float, typer.Option(help="Fraction of each type for dev.")] = 0.1,
    test: Annotated[float, typer.Option(help="Fraction of each type for test.")] = 0.2,
    holdout_types: Annotated[Optional[str], typer.Option("--holdout-types", help="Comma-separated types held out entirely for test (unseen-task experiments).")] = None,
    seed: Annotated[int, typer.Option(help="Shuffle seed.")] = 0,
) -> None:
    """Split tasks into train/dev/test by instance, and optionally by held-out task types.

    Example: crmweaver tasks split tasks.jsonl --out-dir splits --holdout-types lead_routing
    """
    from crmweaver.tasks.row import read_tasks, write_tasks
    from crmweaver.tasks.split import split_rows

    held = tuple(t.strip() for t in holdout_types.split(",") if t.strip()) if holdout_types else ()
    rows = read_tasks(path)
    if not rows:  # three empty files would replace earlier splits
        fail(f"{path} holds no tasks; make some with `crmweaver tasks synth`")
    parts = split_rows(rows, dev=dev, test=test, holdout_types=held, seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in parts.items():
        write_tasks(out_dir / f"{name}.jsonl", rows)
    console.print(", ".join(f"{name}: {len(rows)}" for name, rows in parts.items()) + f" → {out_dir}/")


@tasks_app.command("import")
def tasks_import(
    path: Annotated[Path, typer.Argument(help="CRMArena-Pro rows: a JSON list or JSONL.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write crmweaver JSONL.")] = Path("crmarena_tasks.jsonl"),
) -> None:
    """Validate CRMArena-Pro task rows, add their skill, and write crmweaver JSONL.

    Example: crmweaver tasks import crmarena_pro.jsonl --out tasks.jsonl
    """
    from crmweaver.tasks.crmarena import import_rows
    from crmweaver.tasks.row import write_tasks

    rows, ignored = import_rows(path)
    write_tasks(out, rows)
    note = f" (ignored keys: {', '.join(ignored)})" if ignored else ""
    console.print(f"imported {len(rows)} tasks to {out}{note}")


@app.command("eval")
def eval_(
    org_path: Annotated[Path, typer.Option("--org", help="The org to evaluate on.")] = Path("org.db"),
    tasks_path: Annotated[Path, typer.Option("--tasks", help="A task file (JSONL or JSON list).")] = Path("tasks.jsonl"),
    model: Annotated[str, typer.Option("--model", help="oracle, local, local:PATH or openai:MODEL.")] = "oracle",
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible endpoint for openai:MODEL.")] = None,
    trials: Annotated[int, typer.Option("--trials", help="Runs per task (pass^k for k <= trials).", min=1)] = 1,
    concurrency: Annotated[int, typer.Option("--concurrency", help="Episodes run at once.", min=1)] = 1,
    interactive: Annotated[bool, typer.Option("--interactive", help="Multi-turn: a simulated user holds the facts (scripted unless --user-model).")] = False,
    user_model: Annotated[Optional[str], typer.Option("--user-model", help="With --interactive: a model spec that plays the user (e.g. openai:MODEL).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Run folder (default runs/<time>-<model>).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out: skip finished records, rerun the rest.")] = False,
    retry_infra_errors: Annotated[bool, typer.Option("--retry-infra-errors", help="With --resume, also rerun records that ended in an infra error.")] = False,
    protocol: Annotated[Literal["react", "tools"], typer.Option("--protocol", help="react (text tags) or tools (native tool calls).")] = "react",
    aided: Annotated[bool, typer.Option("--aided", help="Also show the domain details (metadata.optional).")] = False,
    confidentiality_prompt: Annotated[bool, typer.Option("--confidentiality-prompt", help="Add confidentiality-aware instructions.")] = False,
    schema: Annotated[Literal["full", "task"], typer.Option("--schema", help="full (every object, as CRMArena-Pro) or task (only the task type's objects: a short prompt for small models).")] = "full",
    executor: Annotated[Literal["local", "ray"], typer.Option("--executor", help="local (threads) or ray (Ray actors).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option("--ray-address", help="A Ray cluster address (default: a local Ray runtime).")] = None,
    max_turns: Annotated[int, typer.Option("--max-turns", help="Turns per episode.", min=1)] = 20,
    max_tokens: Annotated[Optional[int], typer.Option("--max-tokens", help="Tokens per model turn (default: the backend's).", min=1)] = None,
    memory: Annotated[Optional[Path], typer.Option("--memory", help="A memory file: show each episode its top-1 guideline.")] = None,
    memory_write: Annotated[bool, typer.Option("--memory-write", help="With --memory: update helpful/harmful counters and write back guidelines from successful episodes.")] = False,
    extractor: Annotated[str, typer.Option("--extractor", help="Exact-match answer extractor: rules (default), or llm:SPEC (a model spec, e.g. llm:openai:gpt-4o with --base-url).")] = "rules",
    judge: Annotated[str, typer.Option("--judge", help="Privacy-refusal judge: rules (default), or llm:SPEC.")] = "rules",
    salesforce: Annotated[Optional[str], typer.Option("--salesforce", help="Run the queries on this Salesforce org instead (its login URL, e.g. https://login.salesforce.com or `crmweaver serve`'s) as SALESFORCE_USERNAME / SALESFORCE_PASSWORD / SALESFORCE_SECURITY_TOKEN; --org still gives the prompt its schema.")] = None,
) -> None:
    """Run an agent on tasks; write results.jsonl and summary.json; print the per-skill table.

    Example: crmweaver eval --org org.db --tasks tasks.jsonl --model oracle --out runs/oracle
    """
    import re
    from datetime import datetime

    from crmweaver.env.episode import EnvConfig
    from crmweaver.evaluate import EvalConfig, backend_factory, evaluate, summary_table
    from crmweaver.tasks.row import read_tasks

    if resume and out is None:
        fail("--resume needs --out: the run folder to continue")
    if retry_infra_errors and not resume:
        fail("--retry-infra-errors goes with --resume (and --out): it reruns a run's infra errors")
    user_for = None
    if user_model and not interactive:
        fail("--user-model plays the simulated user of --interactive; add --interactive")
    if interactive:
        from crmweaver.evaluate.runner import llm_user_for
        from crmweaver.env.users import ScriptedUser

        user_for = llm_user_for(user_model, base_url=base_url) if user_model else ScriptedUser
    from crmweaver.evaluate.scorers import ScorerChoice

    tasks = read_tasks(tasks_path)
    factory = backend_factory(model, base_url=base_url, max_tokens=max_tokens)
    scorers = ScorerChoice(extractor, judge, base_url)
    if not tasks:
        fail(f"{tasks_path} holds no tasks; make some with `crmweaver tasks synth`")
    live_org = None
    if salesforce is not None:
        from crmweaver.evaluate.salesforce import LiveOrg

        with open_org(org_path) as org:  # its preset picks SALESFORCE_B2B_* or SALESFORCE_B2C_* when set
            live_org = LiveOrg.from_env(salesforce, org.preset)
    if memory_write and memory is None:
        fail("--memory-write needs --memory MEM.db")
    mem = None
    if memory is not None:
        if not memory.exists():
            fail(f"no memory file at {memory}; build one with `crmweaver memory build --from runs/ID --out {memory}`")
        from crmweaver.memory import Memory

        mem = Memory(memory, write_policy="success" if memory_write else "off")
    if out is None:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-")[:40] or "model"
        out = Path("runs") / f"{datetime.now():%Y%m%d-%H%M%S}-{slug}"
    env = EnvConfig(max_turns=max_turns, protocol=protocol, aided=aided, confidentiality=confidentiality_prompt, schema=schema)
    config = EvalConfig(model=model, trials=trials, concurrency=concurrency, resume=resume, retry_infra_errors=retry_infra_errors, env=env,
                        executor=executor, ray_address=ray_address, user_for=user_for, scorers=None if scorers.is_rules else scorers,
                        guideline_for=mem.guideline_for if mem is not None else None,  # an empty memory is falsy
                        live_org=live_org)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("acc {task.fields[acc]}  infra {task.fields[infra]}"))
    with Progress(*columns, console=err, transient=True) as bar:
        job = bar.add_task(f"eval {model}", total=None, acc="-", infra=0)

        def progress(p) -> None:  # crmweaver.evaluate.Progress
            acc = f"{100 * p.mean_reward:.1f}%" if p.done else "-"
            bar.update(job, completed=p.done, total=p.total, acc=acc, infra=p.infra_errors)

        try:
            summary = evaluate(
                org_path, tasks, factory, config, out_dir=out, progress=progress,
                warn=lambda m: err.print(f"[yellow]warning:[/yellow] {escape(m)}", highlight=False),
                on_record=(lambda record: mem.after_episode(record.to_dict())) if mem is not None and memory_write else None,
            )
        except KeyboardInterrupt:
            fail(f"interrupted; finished records are in {out / 'results.jsonl'}: continue with --out {out} --resume")
    console.print(summary_table(summary, title=f"{model} on {tasks_path} · {trials} trial(s)"))
    console.print(f"results: {out / 'results.jsonl'} · summary: {out / 'summary.json'}")


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the org, tasks, runs and the trained checkpoint.")] = Path("demo"),
    preset: PresetOpt = "b2b",
    per_type: Annotated[int, typer.Option("--per-type", help="Held-out tasks per type (22 types).", min=1)] = 1,
    model: Annotated[str, typer.Option("--model", help="Evaluated next to the oracle: local, local:PATH, openai:MODEL or none.")] = "local",
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible endpoint for openai:MODEL.")] = None,
    train_tasks: Annotated[int, typer.Option("--train-tasks", help="Then fine-tune a local model on the oracle's episodes of this many other task instances (SFT) and evaluate it again (0: no training).", min=0)] = 0,
    max_turns: Annotated[Optional[int], typer.Option("--max-turns", help="Turns per model episode (default: the tasks' turn budget, their most reference steps + 2).", min=1)] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Tokens per model turn.", min=8)] = 128,
    max_new_tokens: Annotated[Optional[int], typer.Option("--max-new-tokens", hidden=True, min=8)] = None,  # its old name
) -> None:
    """The whole pipeline offline: build an org, synthesize tasks, evaluate the oracle and a model, train it, compare.

    Example: crmweaver demo --out demo --model none
    """
    from crmweaver.demo import TRAINED, DemoConfig, run_demo
    from crmweaver.evaluate.table import compare_table

    chosen: Optional[str] = None if model.lower() == "none" else model
    if chosen and chosen.split(":")[0] == "local":
        from crmweaver.agent.backend import InfraError
        from crmweaver.agent.local import bundled_model_path, require_extra

        try:
            require_extra()
            if chosen == "local":
                bundled_model_path()
        except InfraError as e:
            err.print(f"[yellow]note:[/yellow] {escape(str(e))}; evaluating the oracle only", highlight=False)
            chosen = None
    cfg = DemoConfig(out=out, preset=preset, per_type=per_type, model=chosen, base_url=base_url, max_turns=max_turns,
                     max_new_tokens=max_new_tokens or max_tokens, train_tasks=train_tasks)
    with _progress_bar() as bar:
        job = bar.add_task("episodes", total=None)

        def progress(p) -> None:
            bar.update(job, completed=p.done, total=p.total)

        summaries = run_demo(cfg, say=say, progress=progress)
    console.print(compare_table(summaries, per_type=True))
    trained = f" `{TRAINED}` is {chosen} after SFT on the oracle's episodes of {train_tasks} other instances." if TRAINED in summaries else ""
    console.print(
        f"Scores are CRMArena-Pro's metrics on {per_type} held-out synthetic task(s) per type. "
        "The oracle replays each task's reference trajectory, so it must score 100: it checks the harness. "
        f"`non-None golds` is the accuracy where answering None scores nothing.{trained} "
        f"Runs: {', '.join(str(p) for p in cfg.runs.values())} · compare any runs with `crmweaver report`.",
        markup=False,
    )
    if not trained and chosen and chosen.split(":")[0] == "local":
        console.print(f"Next: `crmweaver demo --out {out} --train-tasks 110` fine-tunes the model on the oracle's episodes of 110 other "
                      "task instances and evaluates it again on the same tasks.", markup=False)
    console.print("The whole study: `crmweaver train pipeline --preset cpu-study --out study` (SFT with a learning curve, RL "
                  "with the memory in the loop, every stage evaluated with the memory off and on); it needs "
                  "`pip install -c constraints-cpu.txt -e '.[local,train,memory]'` (the constraints file keeps the CPU torch).",
                  markup=False)


@app.command("report")
def report(
    runs: Annotated[list[Path], typer.Argument(help="Run folders (runs/ID) to show side by side; with --html also training-study folders (`train pipeline`, `train sft`/`train rl` output).")],
    per_type: Annotated[bool, typer.Option("--per-type", help="Also one row per task type.")] = False,
    html: Annotated[Optional[Path], typer.Option("--html", help="Write one self-contained offline HTML file instead: per-org tables with 95 % intervals and differences, charts, training curves and a trajectory viewer (needs the report extra).")] = None,
) -> None:
    """Compare evaluation runs side by side (e.g. memory off vs on, before vs after training); --html writes the full report.

    Example: crmweaver report runs/base runs/sft --html report.html
    """
    if html is not None:
        _html_report(runs, html)
        return
    from crmweaver.evaluate import load_results, write_summary
    from crmweaver.evaluate.results import run_in_progress
    from crmweaver.evaluate.table import compare_table

    summaries, tasks = {}, {}
    for run in runs:
        if not (run / "results.jsonl").is_file():
            fail(f"{run} has no results.jsonl; give run folders written by `crmweaver eval --out`")
        if run_in_progress(run):
            err.print(f"[yellow]warning:[/yellow] an eval is still writing {escape(str(run))}: its figures are partial", highlight=False)
        summaries[run.name] = write_summary(run)
        tasks[run.name] = {r.task_key or f"{r.task}:{r.idx}" for r in load_results(run / "results.jsonl")[0]}
    if len({frozenset(t) for t in tasks.values()}) > 1:  # a stopped run, or another task file: the columns measure different tasks
        counts = ", ".join(f"{escape(name)} {len(t)}" for name, t in tasks.items())
        err.print(f"[yellow]warning:[/yellow] the runs did not run the same tasks ({counts} tasks; {len(set.intersection(*tasks.values()))} "
                  "in all of them): their columns compare different tasks", highlight=False)
    console.print(compare_table(summaries, per_type=per_type))


def _html_report(paths: list[Path], out: Path) -> None:
    """Write the HTML report; the folders' notices (torn lines, missing summaries) go to stderr too."""
    from crmweaver.report import write_report

    loaded = write_report(paths, out)
    for note in [*loaded.notices, *(n for r in loaded.runs for n in r.notices), *(n for s in loaded.studies for n in s.notices)]:
        err.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False)
    episodes = sum(len(r.records) for r in loaded.runs)
    say(f"report: {len(loaded.runs)} run(s), {episodes} episode(s), {len(loaded.studies)} training folder(s) → {out}")


@app.command("view")
def view(
    runs: Annotated[list[Path], typer.Argument(help="Run folders (runs/ID) and training-study folders.")],
) -> None:
    """Write the HTML report (as `report --html`) to a temporary file and print its path: open it in a browser, no server needed.

    Example: crmweaver view runs/base runs/sft
    """
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="crmweaver-view-")) / "report.html"
    _html_report(runs, out)
    print(out)


memory_app = typer.Typer(help="Build, search and inspect a memory of task guidelines.", no_args_is_help=True)
app.add_typer(memory_app, name="memory")
EmbedderOpt = Annotated[Optional[str], typer.Option("--embedder", help="lexical, minilm or openai:MODEL (default: the file's own, else minilm when installed, else lexical).")]


def _open_memory(path: Path, embedder: Optional[str] = None, base_url: Optional[str] = None, create: bool = False):
    from crmweaver.memory import Memory

    return Memory(path, embedder=embedder, base_url=base_url, create=create)


@memory_app.command("build")
def memory_build(
    runs: Annotated[Path, typer.Option("--from", help="A run folder (runs/ID) or a results.jsonl file.")],
    out: Annotated[Path, typer.Option("--out", help="The memory file to create or extend.")] = Path("memory.db"),
    distiller: Annotated[Literal["rule", "llm"], typer.Option("--distiller", help="rule (offline, from successful trajectories) or llm.")] = "rule",
    model: Annotated[Optional[str], typer.Option("--model", help="The llm distiller's model: local, local:PATH or openai:MODEL.")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible endpoint for openai:MODEL (model and embedder).")] = None,
    embedder: EmbedderOpt = None,
) -> None:
    """Distil guidelines from a run's trajectories into a memory file (near-duplicates are merged).

    Example: crmweaver memory build --from runs/oracle --out memory.db
    """
    from crmweaver.memory import build_memory, read_records

    backend = None
    if distiller == "llm":
        if not model:
            fail("--distiller llm needs --model (e.g. openai:MODEL with --base-url, or local)")
        from crmweaver.agent.specs import make_backend

        backend = make_backend(model, base_url=base_url)  # a bad spec is a ConfigError: the boundary says so
    records = read_records(runs)
    if not any(isinstance(r.get("messages"), list) for r in records):
        fail(f"{runs} holds no eval records; pass --from runs/ID (a folder written by crmweaver eval) or its results.jsonl")
    memory, counts, trajs = build_memory(records, out, distiller=distiller, backend=backend, embedder=embedder)
    with memory:
        wins = sum(t.reward >= 1 for t in trajs)
        console.print(f"{len(trajs)} trajectories ({wins} successful) → added {counts['added']}, merged {counts['merged']}, "
                      f"unchanged {counts['same']} · {len(memory)} items in {out} · embedder {memory.embedder.model_id}")


@memory_app.command("search")
def memory_search(
    query: Annotated[Optional[str], typer.Argument(help="A task request to find guidelines for.")] = None,
    memory_path: Annotated[Path, typer.Option("--memory", help="The memory file.")] = Path("memory.db"),
    k: Annotated[int, typer.Option("--k", help="How many hits.", min=1)] = 1,
    threshold: Annotated[Optional[float], typer.Option("--threshold", help="Minimum cosine (default: the embedder's).")] = None,
    queries: Annotated[Optional[Path], typer.Option("--queries", help='JSONL of {"query": ...}; prints one JSON list of hits per line (- for stdin).')] = None,
    embedder: EmbedderOpt = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="Endpoint for an openai:MODEL embedder.")] = None,
) -> None:
    """Print the best guidelines for a request as JSON hits (id, title, task_type, score).

    Example: crmweaver memory search "Which agent closes cases fastest?" --memory memory.db --k 3
    """

    if (query is None) == (queries is None):
        fail('give one query, or --queries FILE with lines like {"query": "Which agent ..."}')
    memory = _open_memory(memory_path, embedder, base_url)
    with memory:
        if query is not None:
            print(json.dumps([h.public() for h in memory.retrieve(query, k=k, threshold=threshold)], ensure_ascii=False))
            return
        for number, text in _jsonl_strings(queries, "query"):
            if text is None:
                fail(f'{queries}, line {number} is not a JSON object like {{"query": "Which agent ..."}}')
            print(json.dumps([h.public() for h in memory.retrieve(text, k=k, threshold=threshold)], ensure_ascii=False), flush=True)


@memory_app.command("show")
def memory_show(
    memory_path: Annotated[Path, typer.Argument(help="The memory file.")],
    item_id: Annotated[str, typer.Argument(help="An item id (or its first characters).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the item as JSON.")] = False,
) -> None:
    """Print one guideline: title, body, key phrasings, counters and provenance.

    Example: crmweaver memory show memory.db ITEM_ID
    """
    from crmweaver.memory import MemoryStoreError, Store

    with Store(memory_path, readonly=True) as store:
        ids = [item_id] if store.get(item_id) else store.find_prefix(item_id)
        if len(ids) != 1:
            raise MemoryStoreError(f"no item {item_id!r} in {memory_path}; list them with: crmweaver memory export {memory_path}"
                                   if not ids else f"{item_id!r} matches {len(ids)} items; give more characters")
        item = store.get(ids[0])
    if as_json:
        print(json.dumps(item.public(), ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{item.title}[/bold]  ·  {item.id}  ·  {item.task_type or '-'} ({item.skill or '-'})", highlight=False)
    print(item.body)  # plain print: a console would wrap the queries
    print(f"\nhelpful {item.helpful} · harmful {item.harmful} · support {item.support} · created {item.created} · updated {item.updated}")
    print("key phrasings:\n  " + "\n  ".join(item.key_text.splitlines()))
    prov = item.provenance
    console.print(f"provenance: {prov.get('distiller', '-')} · models {', '.join(prov.get('models', [])) or '-'} · "
                  f"{len(prov.get('trajectories', []))} trajectories", highlight=False)


@memory_app.command("stats")
def memory_stats(
    memory_path: Annotated[Path, typer.Argument(help="The memory file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
) -> None:
    """Items, counters and support per task type, and the embedder the file was written with.

    Example: crmweaver memory stats memory.db
    """
    from crmweaver.memory import Store

    with Store(memory_path, readonly=True) as store:
        stats = store.stats()
    if as_json:
        print(json.dumps(stats, indent=2))
        return
    table = Table(title=f"{memory_path} · {stats['items']} items · {stats['embedder'] or 'no embedder yet'} (dim {stats['dim'] or '-'})")
    for col, justify in (("task type", "left"), ("items", "right"), ("support", "right"), ("helpful", "right"), ("harmful", "right")):
        table.add_column(col, justify=justify)
    for code, s in stats["per_type"].items():
        table.add_row(code, str(s["items"]), str(s["support"]), str(s["helpful"]), str(s["harmful"]))
    table.add_row("[bold]total[/bold]", f"[bold]{stats['items']}[/bold]", str(stats["support"]), str(stats["helpful"]), str(stats["harmful"]))
    console.print(table)


@memory_app.command("export")
def memory_export(
    memory_path: Annotated[Path, typer.Argument(help="The memory file.")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Write JSONL here instead of stdout.")] = None,
) -> None:
    """Every item as one JSON line (no vectors), oldest first.

    Example: crmweaver memory export memory.db --out memory.jsonl
    """
    from crmweaver.memory import Store

    with Store(memory_path, readonly=True) as store:
        lines = [json.dumps(item.public(), ensure_ascii=False) + "\n" for item in store.items()]
    if out is None:
        sys.stdout.write("".join(lines))
        return
    out.write_text("".join(lines), encoding="utf-8")
    console.print(f"exported {len(lines)} items to {out}")


def _read_lines(path: Path):
    """Lines as bytes (stdin for `-`): json.loads decodes each, so a line that is not UTF-8 is one bad
    line, not the end of the batch."""
    if str(path) == "-":
        yield from sys.stdin.buffer
        return
    try:
        with path.open("rb") as f:
            yield from f
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")


def _jsonl_strings(path: Path, key: str):
    """(line number, the line's `key` string) for each non-blank line of a batch file; the string is
    None where the line is not a JSON object holding one (not JSON, not UTF-8, nested too deep)."""
    for number, line in enumerate(_read_lines(path), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)[key]
        except (ValueError, KeyError, TypeError, RecursionError):
            value = None
        yield number, value if isinstance(value, str) else None


@train_app.command("pipeline")
def train_pipeline_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder for the org, tasks, memory, checkpoints, runs and results.md.")] = Path("study"),
    preset: Annotated[str, typer.Option("--preset", help="cpu-smoke (CI, minutes), cpu-demo, cpu-study (a longer study) or gpu (needs --model); the README gives each one's time on 2 cores.")] = "cpu-demo",
    org_preset: Annotated[str, typer.Option("--org-preset", help="Org flavour: b2b or b2c.", callback=_preset)] = "b2b",
    seed: Annotated[int, typer.Option("--seed", help="Seeds the org and the tasks.")] = 0,
    model: Annotated[Optional[str], typer.Option("--model", help="The base policy (default: the preset's).")] = None,
) -> None:
    """The training study: base, SFT and SFT+RL, each evaluated with the memory off and on (resumable).

    Example: crmweaver train pipeline --preset cpu-smoke --out study
    """
    command = f"crmweaver train pipeline --preset {preset} --out {out}"
    command += (f" --org-preset {org_preset}" if org_preset != "b2b" else "") + (f" --seed {seed}" if seed else "")
    _run_pipeline(preset, out, org_preset, seed, model, command + (f" --model {model}" if model else ""))


def _run_pipeline(preset: str, out: Path, org_preset: str, seed: int, model: Optional[str], command: str) -> None:
    from crmweaver.evaluate.table import compare_table
    from crmweaver.train.pipeline import PipelineConfig, run_pipeline

    cfg = PipelineConfig(out=out, preset=preset, org_preset=org_preset, seed=seed, model=model, command=command)
    with _progress_bar() as bar:
        job = bar.add_task("episodes", total=None)

        def progress(p) -> None:
            bar.update(job, completed=p.done, total=p.total)

        summaries = run_pipeline(cfg, say=say, progress=progress)
    console.print(compare_table(summaries, per_type=True))
    console.print(f"Held-out tasks of every type; the table, reward curve and configuration are in {out}/results.md.")


@train_app.command("sft")
def train_sft_cmd(
    tasks: Annotated[Path, typer.Option("--tasks", help="Training tasks (JSONL), e.g. splits/train.jsonl.")],
    org: Annotated[Path, typer.Option("--org", help="The org the tasks were synthesized on.")],
    out: Annotated[Path, typer.Option("--out", help="Checkpoint folder (evaluate it with --model local:OUT); teacher run and sft_log.jsonl go here too.")],
    teacher: Annotated[Optional[str], typer.Option("--teacher", help="oracle, a model spec (its reward-1 episodes are kept) or a run folder runs/ID.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help="Policy to train: local (bundled SmolLM2), tiny (CI), a GGUF file or a model dir; default: the preset's.")] = None,
    preset: Annotated[str, typer.Option("--preset", help="cpu-smoke, cpu-demo, cpu-study or gpu: starting values the flags below override.")] = "cpu-demo",
    epochs: Annotated[Optional[float], typer.Option("--epochs", help="Passes over the teacher episodes.")] = None,
    max_steps: Annotated[Optional[int], typer.Option("--max-steps", help="Stop after N optimizer steps (overrides --epochs).")] = None,
    lr: Annotated[Optional[float], typer.Option("--lr", help="Learning rate (default 1e-4 full, 2e-4 LoRA).")] = None,
    lora: Annotated[Optional[bool], typer.Option("--lora/--full", help="LoRA adapters (merged on save) or full fine-tuning; default: LoRA from 1B parameters.")] = None,
    max_length: Annotated[Optional[int], typer.Option("--max-length", help="Tokens per episode; longer ones are cut after their last whole assistant message that fits.")] = None,
    max_tasks: Annotated[Optional[int], typer.Option("--max-tasks", help="Train on the first N tasks (default: the preset's).")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed of shuffling and init.")] = None,
    schema: Annotated[Optional[Literal["full", "task"]], typer.Option("--schema", help="Prompt schema of the teacher episodes: full or task (only the type's objects).")] = None,
    memory: Annotated[Optional[Path], typer.Option("--memory", help="Guideline memory: teacher episodes picked by --hint-rule (default: the preset's) show their top-1 guideline.")] = None,
    hint_rule: Annotated[Optional[str], typer.Option("--hint-rule", help="never, always or prob:P (each teacher episode shows the guideline with probability P); needs --memory.")] = None,
) -> None:
    """SFT cold start: teacher episodes, loss on the assistant tokens only, a checkpoint `local:OUT` loads.

    Example: crmweaver train sft --tasks splits/train.jsonl --org org.db --out ckpt/sft --teacher oracle --preset cpu-demo
    """
    from crmweaver.tasks.row import read_tasks
    from crmweaver.train.presets import get_preset
    from crmweaver.train.sft import run_sft

    p = get_preset(preset)
    config = p.sft_with(teacher=teacher, epochs=epochs, max_steps=max_steps, lr=lr, lora=lora, max_length=max_length,
                        max_tasks=max_tasks, seed=seed, schema=schema, hint_rule=hint_rule)
    if hint_rule not in (None, "never") and memory is None:
        fail(f"--hint-rule {hint_rule} needs --memory MEM.db")
    if memory is not None and not memory.is_file():
        fail(f"no memory file at {memory}; build one with `crmweaver memory build --from runs/ID --out {memory}`")
    spec = model or p.model
    if spec is None:
        fail(f"the {preset} preset needs --model PATH (an instruct model directory)")
    rows = read_tasks(tasks)
    if not org.is_file():
        fail(f"no org at {org}: build one with crmweaver org build")
    with _progress_bar() as bar:
        job = bar.add_task(f"teacher {config.teacher}", total=None)

        def progress(pr) -> None:
            bar.update(job, completed=pr.done, total=pr.total)

        try:
            result = run_sft(org, rows, spec, out, config, say=say, teacher_progress=progress, progress_bar=False, memory=memory)
        except KeyboardInterrupt:
            fail(f"interrupted; the teacher episodes are kept in {out / 'teacher'}: rerun the same command to reuse them")
    console.print(f"SFT: {result.examples} episodes, {result.steps} steps in {result.seconds:.0f}s ({result.s_per_step:.1f}s/step), "
                  f"loss {result.first_loss or 0:.3f} -> {result.last_loss or 0:.3f} · {'LoRA (merged)' if result.lora else 'full'} lr {result.lr:g} "
                  f"-> {result.checkpoint} · evaluate: crmweaver eval --model local:{result.checkpoint}")


@train_app.command("rl")
def train_rl_cmd(
    tasks: Annotated[Path, typer.Option("--tasks", help="Training tasks (JSONL), e.g. splits/train.jsonl.")],
    org: Annotated[Path, typer.Option("--org", help="The org the tasks were synthesized on.")],
    out: Annotated[Path, typer.Option("--out", help="Writes the policy (local:OUT), checkpoints/, metrics.jsonl and metrics.png here.")],
    model: Annotated[Optional[str], typer.Option("--model", help="Policy to train: an SFT checkpoint dir, local (bundled SmolLM2) or tiny (CI); default: the preset's.")] = None,
    preset: Annotated[str, typer.Option("--preset", help="cpu-smoke, cpu-demo, cpu-study or gpu: starting values the flags below override.")] = "cpu-demo",
    algo: Annotated[Optional[str], typer.Option("--algo", help="grpo or dapo (clip-higher, token-level loss, dynamic sampling, overlong filter).")] = None,
    group_size: Annotated[Optional[int], typer.Option("--group-size", help="Rollouts per task (G).")] = None,
    tasks_per_step: Annotated[Optional[int], typer.Option("--tasks-per-step", help="Groups per optimizer step.")] = None,
    steps: Annotated[Optional[int], typer.Option("--steps", help="Optimizer steps in all (a resumed run continues up to it).")] = None,
    lr: Annotated[Optional[float], typer.Option("--lr", help="Learning rate.")] = None,
    temperature: Annotated[Optional[float], typer.Option("--temperature", help="Sampling temperature of rollouts.")] = None,
    max_turns: Annotated[Optional[int], typer.Option("--max-turns", help="Turns per episode.")] = None,
    max_tokens: Annotated[Optional[int], typer.Option("--max-tokens", help="New tokens per model turn.")] = None,
    save_every: Annotated[Optional[int], typer.Option("--save-every", help="Checkpoint every N steps.")] = None,
    memory: Annotated[Optional[Path], typer.Option("--memory", help="Guideline memory (created if missing): hints per --hint-rule, verified successes write back.")] = None,
    hint_rule: Annotated[Optional[str], typer.Option("--hint-rule", help="never, always, prob:P or on_zero_group (needs --memory).")] = None,
    resample_groups: Annotated[Optional[int], typer.Option("--resample-groups", help="DAPO dynamic sampling: extra groups per step rolled out to replace all-equal ones.")] = None,
    schema: Annotated[Optional[Literal["full", "task"]], typer.Option("--schema", help="Prompt schema of the episodes: full or task (only the type's objects).")] = None,
    vllm_url: Annotated[Optional[str], typer.Option("--vllm-url", help="Generate on `trl vllm-serve` at this URL (GPU; docs/gpu.md).")] = None,
    max_train_tasks: Annotated[Optional[int], typer.Option("--max-tasks", help="Train on the first N tasks (default: the preset's).")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed of sampling, shuffling and init.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the last checkpoint under OUT/checkpoints.")] = False,
) -> None:
    """Multi-turn GRPO/DAPO on full episodes in the org (TRL's GRPOTrainer), memory in the loop.

    Example: crmweaver train rl --tasks splits/train.jsonl --org org.db --model ckpt/sft --out ckpt/rl --memory memory.db
    """
    from crmweaver.tasks.row import read_tasks
    from crmweaver.train.presets import get_preset
    from crmweaver.train.rl import train_rl

    p = get_preset(preset)
    config = p.rl_with(algo=algo, group_size=group_size, tasks_per_step=tasks_per_step, steps=steps, lr=lr, temperature=temperature,
                       max_turns=max_turns, max_new_tokens=max_tokens, save_every=save_every, hint_rule=hint_rule, seed=seed,
                       vllm_url=vllm_url, resample_groups=resample_groups, schema=schema)
    if config.hint_rule != "never" and memory is None:
        fail(f"--hint-rule {config.hint_rule} needs --memory MEM.db")
    spec = model or p.model
    if spec is None:
        fail(f"the {preset} preset needs --model PATH (an instruct model or an SFT checkpoint)")
    rows = read_tasks(tasks)[: max_train_tasks or p.train_tasks]
    if not org.is_file():
        fail(f"no org at {org}: build one with crmweaver org build")

    def show(r: dict) -> None:
        clip = r.get("clip_frac")
        console.print(f"step {r['step']:>4}  reward {r.get('reward', 0):.3f}  success {r.get('success', 0):.2f}  "
                      f"hint {r.get('hint_rate', 0):.2f}  equal-groups {r.get('equal_group_frac', 0):.2f}  "
                      f"tokens {r.get('response_tokens', 0):.0f}  loss {r.get('loss') or 0:.4f}  "
                      f"clip {clip if clip is not None else 0:.3f}  memory {r.get('memory_size', 0)}  {r.get('step_s', 0):.1f}s",
                      highlight=False)

    try:
        result = train_rl(rows, org, spec, out, config, memory=memory, resume=resume, progress=show)
    except KeyboardInterrupt:
        fail(f"interrupted; continue from the last checkpoint with --resume (same --out {out})")
    console.print(f"trained {result.steps} steps -> {result.out} (evaluate with --model local:{result.out}); "
                  f"metrics {result.metrics}" + (f", plot {result.plot}" if result.plot else ""))


@app.callback()
def main() -> None:
    """crmweaver: business agents on an offline Salesforce-style org."""
