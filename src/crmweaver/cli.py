"""The `crmweaver` command: parses arguments, calls the library, turns user errors into one line."""

from __future__ import annotations

import typer

app = typer.Typer(help="Build, query, train and evaluate business agents on an offline CRM org.", no_args_is_help=True)
org_app = typer.Typer(help="Build, inspect, validate and import CRM orgs.", no_args_is_help=True)
app.add_typer(org_app, name="org")


@app.callback()
def main() -> None:
    """crmweaver: business agents on an offline Salesforce-style org."""
