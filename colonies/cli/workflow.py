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
    load_workflow_spec,
    no_cache_option,
    run,
    skip_cache,
    spec_option,
)
from colonies.cli.process import remove_all, state_flags
from colonies.cli.waiting import failure_reason, wait_for_workflow
from colonies.core import Process, ProcessGraph, ProcessState, is_zero_time
from colonies.core.process_graph import FAILURE_POLICIES

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
def workflow() -> None:
    """Submit workflows (DAGs of function specs) and manage them."""


@workflow.command()
@spec_option(
    help="JSON array of function specs (nodename + conditions.dependencies), or an object "
    "with functionspecs and failurepolicy."
)
@lenient_option
@click.option(
    "--failurepolicy",
    type=click.Choice(FAILURE_POLICIES),
    help="fail-fast (default): a failed node fails the workflow; continue: independent "
    "branches run to the end and the failed node's descendants are skipped.",
)
@no_cache_option
@click.option("--wait", is_flag=True, help="Wait until the workflow is closed.")
@client_options
@json_option
def submit(
    env: Env,
    spec: Path,
    lenient: bool,
    failurepolicy: str | None,
    no_cache: bool,
    wait: bool,
    as_json: bool,
) -> None:
    """Submit a workflow; prints the workflow id.

    \b
    Example:
      colonies workflow submit --spec examples/workflows/workflow.json --wait
      colonies workflow submit --spec pipeline.json --failurepolicy continue
    """
    colony_name, key = env.colony, env.prvkey
    wf = load_workflow_spec(spec, colony_name, lenient)
    if failurepolicy:
        wf.failure_policy = failurepolicy
    if no_cache:
        skip_cache(wf.function_specs)

    async def action(c: ColoniesClient) -> tuple[ProcessGraph, list[Process]]:
        await warn_unassignable(c, key, colony_name, wf.function_specs)
        graph = await c.submit_workflow(wf, key=key)
        if not as_json:
            click.echo(f"Workflow {graph.process_graph_id} submitted", err=True)
        return await _waited(c, graph, wait, key)

    graph, nodes = run(env, action)
    _report(graph, nodes, wait, as_json)


async def _waited(
    c: ColoniesClient, graph: ProcessGraph, wait: bool, key: str
) -> tuple[ProcessGraph, list[Process]]:
    """The graph once closed (with its nodes if it did not succeed), or as it is."""
    if not wait:
        return graph, []
    graph = await wait_for_workflow(c, graph, key)
    if graph.state == ProcessState.SUCCESS:
        return graph, []
    return graph, [await c.get_process(pid, key=key) for pid in graph.process_ids]


def _report(graph: ProcessGraph, nodes: list[Process], wait: bool, as_json: bool) -> None:
    if as_json:
        echo_json(graph)
    elif not wait:
        click.echo(graph.process_graph_id)
    elif graph.state == ProcessState.SUCCESS:
        click.echo(f"Workflow {graph.process_graph_id} finished: Successful")
    if wait and graph.state != ProcessState.SUCCESS:
        raise CliError(workflow_failure(graph, nodes))


def workflow_failure(graph: ProcessGraph, nodes: list[Process]) -> str:
    """``Workflow … finished: Failed`` once, then each failed node with its reason, the
    skipped and cancelled ones, the nodes that never ran, and how to rerun the failed part."""
    gid = graph.process_graph_id
    lines = [f"Workflow {gid} finished: {tables.STATE_NAMES[graph.state]}."]
    not_run = []
    for p in nodes:
        name = p.spec.node_name or "?"
        never_ran = is_zero_time(p.start_time) and not p.errors
        if p.state == ProcessState.WAITING or (p.state == ProcessState.FAILED and never_ran):
            not_run.append(p.spec.node_name or p.process_id)
        elif tables.is_skipped(p):
            lines.append(f"  Node {name} skipped: {tables.node_reason(p)}.")
        elif p.state in (ProcessState.FAILED, ProcessState.CANCELLED):
            state = tables.STATE_NAMES[p.state].lower()
            lines.append(
                f"  Node {name} ({p.spec.func_name}, process {p.process_id}) {state}: "
                f"{failure_reason(p)}."
            )
    if not_run:
        lines.append(f"  Not run: {', '.join(not_run)}.")
    lines.append(f"  `colonies workflow get --workflowid {gid}` shows every node;")
    lines.append(f"  `colonies workflow rerun --workflowid {gid}` runs the failed part again.")
    return "\n".join(lines)


def workflow_id_option(f: F) -> F:
    return click.option(
        "--workflowid", "--id", "workflowid", required=True, help="Workflow (process graph) id."
    )(f)


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
@click.option("--from", "from_node", help="Also rerun this node and everything after it.")
@no_cache_option
@click.option("--wait", is_flag=True, help="Wait until the workflow is closed again.")
@client_options
@json_option
def rerun(
    env: Env, workflowid: str, from_node: str | None, no_cache: bool, wait: bool, as_json: bool
) -> None:
    """Run the failed part of a finished workflow again.

    Its failed, skipped and cancelled nodes and everything after them wait again; the
    successful nodes keep their state and outputs. Each node keeps the attempts it had
    (`colonies process attempts -p ID`). A node whose spec asks for caching and whose
    inputs are unchanged closes at once with its earlier result, unless --no-cache.

    \b
    Example:
      colonies workflow rerun --workflowid 8f1c... --wait
      colonies workflow rerun --workflowid 8f1c... --from train --no-cache
    """
    key = env.prvkey

    async def action(c: ColoniesClient) -> tuple[ProcessGraph, list[Process]]:
        graph = await c.rerun_process_graph(
            workflowid, from_node=from_node or "", no_cache=no_cache, key=key
        )
        if not as_json:
            click.echo(f"Workflow {graph.process_graph_id} rerun", err=True)
        return await _waited(c, graph, wait, key)

    graph, nodes = run(env, action)
    _report(graph, nodes, wait, as_json)


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
