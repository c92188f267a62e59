"""``colonies generator``: workflows triggered by packed arguments."""

from __future__ import annotations

from pathlib import Path

import click

from colonies.cli import tables
from colonies.cli.explain import warn_unassignable
from colonies.cli.options import (
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
from colonies.client import ColoniesClient
from colonies.core import WorkflowSpec
from colonies.core.generator import Generator


@click.group()
def generator() -> None:
    """Run a workflow each time enough arguments were packed (or a timeout passed)."""


@generator.command()
@spec_option(help="JSON array of function specs (the workflow to run).")
@lenient_option
@click.option("--name", required=True, help="Generator name.")
@click.option("--trigger", type=int, required=True, help="Run after this many packed args.")
@click.option("--timeout", type=int, default=-1, show_default=True, help="Or after seconds.")
@client_options
@json_option
def add(
    env: Env, spec: Path, lenient: bool, name: str, trigger: int, timeout: int, as_json: bool
) -> None:
    """Add a generator: its workflow runs with the packed args as input.

    \b
    Example:
      colonies generator add --name gen --spec examples/generators/generator.json --trigger 5
    """
    colony_name, key = env.colony, env.prvkey
    specs = load_function_specs(spec, colony_name, lenient)
    workflow = WorkflowSpec(colony_name=colony_name, function_specs=specs)
    new = Generator(
        colony_name=colony_name,
        name=name,
        workflow_spec=workflow.to_json(),
        trigger=trigger,
        timeout=timeout,
    )

    async def action(c: ColoniesClient) -> Generator:
        await warn_unassignable(c, key, colony_name, specs)
        return await c.add_generator(new, key=key)

    added = run(env, action)
    if as_json:
        echo_json(added)
    else:
        click.echo(f"Generator {added.name} added: {added.generator_id}")


def generator_id_option(f: F) -> F:
    return click.option("--generatorid", required=True, help="Generator id.")(f)


@generator.command()
@generator_id_option
@click.option("--arg", required=True, help="The argument to pack.")
@client_options
def pack(env: Env, generatorid: str, arg: str) -> None:
    """Pack an argument into a generator.

    \b
    Example:
      colonies generator pack --generatorid 51c0... --arg hello
    """
    key = env.prvkey
    run(env, lambda c: c.pack_generator(generatorid, arg, key=key))
    click.echo(f"Argument packed into generator {generatorid}")


@generator.command(name="ls")
@count_option(20)
@client_options
@json_option
def list_generators(env: Env, count: int, as_json: bool) -> None:
    """List the generators of the colony.

    \b
    Example:
      colonies generator ls
    """
    colony_name, key = env.colony, env.prvkey
    found = run(env, lambda c: c.get_generators(count, colony=colony_name, key=key))
    echo_list(found, as_json, tables.generators_table, "generators")


@generator.command()
@generator_id_option
@client_options
@json_option
def get(env: Env, generatorid: str, as_json: bool) -> None:
    """Show a generator and its workflow.

    \b
    Example:
      colonies generator get --generatorid 51c0...
    """
    key = env.prvkey
    found = run(env, lambda c: c.get_generator(generatorid, key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(tables.generator_table(found))
        click.echo("\nWorkflow:\n" + tables.workflow_spec_table(found.workflow_spec))


@generator.command()
@generator_id_option
@client_options
def remove(env: Env, generatorid: str) -> None:
    """Remove a generator.

    \b
    Example:
      colonies generator remove --generatorid 51c0...
    """
    key = env.prvkey
    run(env, lambda c: c.remove_generator(generatorid, key=key))
    click.echo(f"Generator {generatorid} removed")
