"""``colonies workflow``: submit and manage workflows (process graphs)."""

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
    colony_key_option,
    count_option,
    echo_json,
    echo_list,
    json_option,
    lenient_option,
    load_function_specs,
    no_cache_option,
    run,
    skip_cache,
    spec_option,
)
from colonies.cli.process import remove_all, state_flags
from colonies.cli.waiting import failure_reason, wait_for_workflow
from colonies.core import Process, ProcessGraph, ProcessState, WorkflowSpec

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
def workflow() -> None:
    """Submit workflows (DAGs of function specs) and manage them."""


@workflow.command()
@spec_option(help="JSON array of function specs (nodename + conditions.dependencies).")
@lenient_option
@no_cache_option
@click.option("--wait", is_flag=True, help="Wait until the workflow is closed.")
@client_options
@json_option
def submit(env: Env, spec: Path, lenient: bool, no_cache: bool, wait: bool, as_json: bool) -> None:
    """Submit a workflow; prints the workflow id.

    \b
    Example:
      colonies workflow submit --spec examples/workflows/workflow.json --wait
    """
    colony_name, key = env.colony, env.prvkey
    specs = load_function_specs(spec, colony_name, lenient)
    if no_cache:
        skip_cache(specs)
    wf = WorkflowSpec(colony_name=colony_name, function_specs=specs)

    async def action(c: ColoniesClient) -> tuple[ProcessGraph, list[Process]]:
        await warn_unassignable(c, key, colony_name, specs)
        graph = await c.submit_workflow(wf, key=key)
        if not as_json:
            click.echo(f"Workflow {graph.process_graph_id} submitted", err=True)
        if not wait:
            return graph, []
        graph = await wait_for_workflow(c, graph, key)
        if graph.state == ProcessState.SUCCESS:
            return graph, []
        return graph, [await c.get_process(pid, key=key) for pid in graph.process_ids]

    graph, nodes = run(env, action)
    if as_json:
        echo_json(graph)
    elif not wait:
        click.echo(graph.process_graph_id)
    elif graph.state == ProcessState.SUCCESS:
        click.echo(f"Workflow {graph.process_graph_id} finished: Successful")
    if wait and graph.state != ProcessState.SUCCESS:
        raise CliError(workflow_failure(graph, nodes))


def workflow_failure(graph: ProcessGraph, nodes: list[Process]) -> str:
    """``Workflow … finished: Failed`` once, then each failed node with its reason and the
    nodes that never ran."""
    lines = [f"Workflow {graph.process_graph_id} finished: {tables.STATE_NAMES[graph.state]}."]
    for p in nodes:
        if p.state in (ProcessState.FAILED, ProcessState.CANCELLED):
            state = tables.STATE_NAMES[p.state].lower()
            lines.append(
                f"  Node {p.spec.node_name or '?'} ({p.spec.func_name}, process "
                f"{p.process_id}) {state}: {failure_reason(p)}."
            )
    waiting = [p.spec.node_name or p.process_id for p in nodes if p.state == ProcessState.WAITING]
    if waiting:
        lines.append(f"  Not run: {', '.join(waiting)}.")
    lines.append(
        f"  `colonies workflow get --workflowid {graph.process_graph_id}` shows every node."
    )
    return "\n".join(lines)


def workflow_id_option(f: F) -> F:
    return click.option("--workflowid", required=True, help="Workflow (process graph) id.")(f)


@workflow.command()
@workflow_id_option
@client_options
@json_option
def get(env: Env, workflowid: str, as_json: bool) -> None:
    """Show a workflow and the state of each of its processes.

    \b
    Example:
      colonies workflow get --workflowid 8f1c...
    """
    key = env.prvkey

    async def action(c: ColoniesClient) -> tuple[ProcessGraph, list[Process]]:
        graph = await c.get_process_graph(workflowid, key=key)
        if as_json:
            return graph, []
        return graph, [await c.get_process(pid, key=key) for pid in graph.process_ids]

    graph, processes = run(env, action)
    if as_json:
        echo_json(graph)
    else:
        click.echo(tables.workflow_table(graph, processes))


@workflow.command()
@click.option("--id", "--workflowid", "workflowid", required=True, help="Workflow id.")
@client_options
@json_option
def stats(env: Env, workflowid: str, as_json: bool) -> None:
    """Step statistics of a workflow: per function and in total, the processes by state,
    cache hits, and wait and run times (total and average, in seconds).

    \b
    Example:
      colonies workflow stats --id 8f1c...
    """
    key = env.prvkey
    found = run(env, lambda c: c.get_workflow_stats(workflowid, key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(tables.workflow_stats_table(found))


def _list_command(name: str, state: ProcessState, example: str) -> None:
    word = tables.STATE_NAMES[state].lower()

    @workflow.command(name=name)
    @count_option(20)
    @client_options
    @json_option
    def command(env: Env, count: int, as_json: bool) -> None:
        colony_name, key = env.colony, env.prvkey
        found = run(env, lambda c: c.get_process_graphs(state, count, colony=colony_name, key=key))
        echo_list(found, as_json, lambda f: tables.workflows_table(f, state), f"{word} workflows")

    command.help = f"List {word} workflows.\n\n\b\nExample:\n  {example}"


_list_command("psw", ProcessState.WAITING, "colonies workflow psw")
_list_command("ps", ProcessState.RUNNING, "colonies workflow ps --count 5")
_list_command("pss", ProcessState.SUCCESS, "colonies workflow pss")
_list_command("psf", ProcessState.FAILED, "colonies workflow psf --json")
_list_command("psc", ProcessState.CANCELLED, "colonies workflow psc")


@workflow.command()
@workflow_id_option
@client_options
def cancel(env: Env, workflowid: str) -> None:
    """Cancel a workflow and its processes.

    \b
    Example:
      colonies workflow cancel --workflowid 8f1c...
    """
    key = env.prvkey
    run(env, lambda c: c.cancel_process_graph(workflowid, key=key))
    click.echo(f"Workflow {workflowid} cancelled")


@workflow.command()
@workflow_id_option
@client_options
def remove(env: Env, workflowid: str) -> None:
    """Remove a workflow and its processes.

    \b
    Example:
      colonies workflow remove --workflowid 8f1c...
    """
    key = env.prvkey
    run(env, lambda c: c.remove_process_graph(workflowid, key=key))
    click.echo(f"Workflow {workflowid} removed")


@workflow.command()
@state_flags
@colony_key_option
@client_options
def removeall(env: Env, yes: bool, **flags: bool) -> None:
    """Remove all workflows of the colony, or those in one state (asks for YES).

    \b
    Example:
      colonies workflow removeall --failed
    """
    remove_all(
        env,
        yes,
        flags,
        "workflows",
        lambda c, colony, key, state: c.remove_all_process_graphs(state, colony=colony, key=key),
    )
