"""``colonies cron``: workflows that run on a schedule."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from colonies.cli import tables
from colonies.cli.explain import warn_unassignable
from colonies.cli.options import (
    CliError,
    Env,
    F,
    client_options,
    count_option,
    echo_json,
    echo_list,
    json_option,
    lenient_option,
    load_function_specs,
    run,
    spec_option,
)
from colonies.core import WorkflowSpec
from colonies.core.cron import Cron

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


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
    lenient: bool = False,
) -> Cron:
    if bool(expression) == (interval > 0):
        raise CliError("Give either --cron EXPRESSION or --interval SECONDS (one of them).")
    if random and not interval > 0:
        raise CliError("--random needs --interval: it picks a random moment in each interval.")
    specs = load_function_specs(spec, colony, lenient)
    workflow = WorkflowSpec(colony_name=colony, function_specs=specs)
    return Cron(
        colony_name=colony,
        name=name,
        cron_expression=expression or "",
        interval=interval if interval > 0 else -1,
        random=random,
        workflow_spec=workflow.to_json(),
        wait_for_prev_process_graph=waitprevious,
    )


def random_window(value: str, interval: int) -> tuple[bool, int]:
    """(random, interval) from ``--random [VALUE]``: a boolean word, or a number of seconds
    that is the window (the interval when none was given)."""
    word = value.strip().lower()
    if word in {"true", "yes", "on"}:
        return True, interval
    if word in {"false", "no", "off", "0", ""}:
        return False, interval
    try:
        seconds = int(word)
    except ValueError:
        raise CliError(
            f"--random takes no value, true/false, or a number of seconds, not {value!r}."
        ) from None
    if seconds < 0:
        raise CliError(f"--random {seconds}: the window must be a positive number of seconds.")
    if interval > 0 and interval != seconds:
        raise CliError(
            f"--random {seconds} and --interval {interval} disagree: the random moment is "
            "picked in each interval, so give one number (or --random without a value)."
        )
    return True, seconds


@cron.command()
@spec_option(help="JSON array of function specs (the workflow to run).")
@lenient_option
@click.option("--name", required=True, help="Cron name.")
@click.option("--cron", "expression", help='6-field cron expression, e.g. "0/10 * * * * *".')
@click.option("--interval", type=int, default=-1, help="Run every this many seconds.")
@click.option(
    "--random",
    "random_given",
    is_flag=False,
    flag_value="true",
    default="false",
    metavar="[SECONDS]",
    help="Run at a random moment of each interval. As in the reference's documentation a "
    "value may follow: --random 10 means a 10 s window (the interval, when --interval is "
    "not given); --random false turns it off.",
)
@click.option("--waitprevious", is_flag=True, help="Skip a run while the previous is running.")
@client_options
@json_option
def add(
    env: Env,
    spec: Path,
    lenient: bool,
    name: str,
    expression: str | None,
    interval: int,
    random_given: str,
    waitprevious: bool,
    as_json: bool,
) -> None:
    """Add a cron that submits the spec's workflow on a schedule.

    \b
    Example:
      colonies cron add --name hello --spec examples/crons/cron.json --cron "0/10 * * * * *"
      colonies cron add --name hello --spec examples/crons/cron.json --interval 60 --random
      colonies cron add --name hello --spec examples/cron/cron_workflow.json --interval 10 \\
          --random 10
    """
    random, interval = random_window(random_given, interval)
    new = build_cron(spec, env.colony, name, expression, interval, random, waitprevious, lenient)
    key = env.prvkey

    async def action(c: ColoniesClient) -> Cron:
        specs = WorkflowSpec.model_validate_json(new.workflow_spec).function_specs
        await warn_unassignable(c, key, new.colony_name, specs)
        return await c.add_cron(new, key=key)

    added = run(env, action)
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
