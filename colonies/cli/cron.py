"""``colonies cron``: workflows that run on a schedule."""

from __future__ import annotations

from pathlib import Path

import click

from colonies.cli import tables
from colonies.cli.options import (
    CliError,
    Env,
    F,
    client_options,
    count_option,
    echo_json,
    echo_list,
    json_option,
    load_function_specs,
    run,
    spec_option,
)
from colonies.core import WorkflowSpec
from colonies.core.cron import Cron


@click.group()
def cron() -> None:
    """Run workflows on a schedule (cron expression or interval)."""


def build_cron(
    spec: Path,
    colony: str,
    name: str,
    expression: str | None,
    interval: int,
    random: bool,
    waitprevious: bool,
) -> Cron:
    if bool(expression) == (interval > 0):
        raise CliError("Give either --cron EXPRESSION or --interval SECONDS (one of them).")
    if random and not interval > 0:
        raise CliError("--random needs --interval: it picks a random moment in each interval.")
    workflow = WorkflowSpec(colony_name=colony, function_specs=load_function_specs(spec, colony))
    return Cron(
        colony_name=colony,
        name=name,
        cron_expression=expression or "",
        interval=interval if interval > 0 else -1,
        random=random,
        workflow_spec=workflow.to_json(),
        wait_for_prev_process_graph=waitprevious,
    )


@cron.command()
@spec_option(help="JSON array of function specs (the workflow to run).")
@click.option("--name", required=True, help="Cron name.")
@click.option("--cron", "expression", help='6-field cron expression, e.g. "0/10 * * * * *".')
@click.option("--interval", type=int, default=-1, help="Run every this many seconds.")
@click.option("--random", is_flag=True, help="Run at a random moment of each interval.")
@click.option("--waitprevious", is_flag=True, help="Skip a run while the previous is running.")
@client_options
@json_option
def add(
    env: Env,
    spec: Path,
    name: str,
    expression: str | None,
    interval: int,
    random: bool,
    waitprevious: bool,
    as_json: bool,
) -> None:
    """Add a cron that submits the spec's workflow on a schedule.

    \b
    Example:
      colonies cron add --name hello --spec examples/crons/cron.json --cron "0/10 * * * * *"
      colonies cron add --name hello --spec examples/crons/cron.json --interval 60 --random
    """
    new = build_cron(spec, env.colony, name, expression, interval, random, waitprevious)
    key = env.prvkey
    added = run(env, lambda c: c.add_cron(new, key=key))
    if as_json:
        echo_json(added)
    else:
        click.echo(f"Cron {added.name} added: {added.cron_id}")


def cron_id_option(f: F) -> F:
    return click.option("--cronid", required=True, help="Cron id.")(f)


@cron.command(name="ls")
@count_option(20)
@client_options
@json_option
def list_crons(env: Env, count: int, as_json: bool) -> None:
    """List the crons of the colony.

    \b
    Example:
      colonies cron ls
    """
    colony_name, key = env.colony, env.prvkey
    found = run(env, lambda c: c.get_crons(count, colony=colony_name, key=key))
    echo_list(found, as_json, tables.crons_table, "crons")


@cron.command()
@cron_id_option
@client_options
@json_option
def get(env: Env, cronid: str, as_json: bool) -> None:
    """Show a cron and its workflow.

    \b
    Example:
      colonies cron get --cronid 9a3e...
    """
    key = env.prvkey
    found = run(env, lambda c: c.get_cron(cronid, key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(tables.cron_table(found))
        click.echo("\nWorkflow:\n" + tables.workflow_spec_table(found.workflow_spec))


@cron.command(name="run")
@cron_id_option
@client_options
@json_option
def run_cron(env: Env, cronid: str, as_json: bool) -> None:
    """Run a cron now (its schedule continues as before).

    \b
    Example:
      colonies cron run --cronid 9a3e...
    """
    key = env.prvkey
    found = run(env, lambda c: c.run_cron(cronid, key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(f"Cron {cronid} triggered")


@cron.command()
@cron_id_option
@client_options
def remove(env: Env, cronid: str) -> None:
    """Remove a cron.

    \b
    Example:
      colonies cron remove --cronid 9a3e...
    """
    key = env.prvkey
    run(env, lambda c: c.remove_cron(cronid, key=key))
    click.echo(f"Cron {cronid} removed")
