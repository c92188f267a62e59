"""``colonies function``: submit and run functions, register and list them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import click

from colonies.cli import tables
from colonies.cli.explain import warn_unassignable
from colonies.cli.options import (
    CliError,
    Env,
    F,
    client_options,
    echo_json,
    echo_list,
    json_option,
    lenient_option,
    load_function_spec,
    no_cache_option,
    run,
    skip_cache,
    spec_option,
)
from colonies.cli.waiting import failure_reason, follow_logs, wait_for_process
from colonies.core import (
    Conditions,
    Filesystem,
    Function,
    FunctionSpec,
    Log,
    Process,
    ProcessState,
)

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
def function() -> None:
    """Submit functions to executors, register and list functions."""


def echo_logs(logs: list[Log]) -> None:
    click.echo(tables.logs_text(logs), nl=False)


async def take_snapshots(c: ColoniesClient, spec: FunctionSpec, key: str) -> None:
    """Snapshot the label of each ``fs.snapshots`` mount and put its id into the spec."""
    for mount in spec.fs.snapshots or []:
        label = str(mount.get("label", ""))
        if not label:
            raise CliError("--snapshot: each fs.snapshots entry of the spec needs a label.")
        colony = spec.conditions.colony_name
        created = await c.create_snapshot(label, uuid4().hex, colony=colony, key=key)
        mount["snapshotid"] = created.snapshot_id


async def submit_and_watch(
    c: ColoniesClient,
    spec: FunctionSpec,
    key: str,
    wait: bool,
    follow: bool,
    show: bool,
    snapshot: bool = False,
) -> tuple[Process, Process | None]:
    """Submit; then follow the logs or wait until closed. Returns (submitted, closed)."""
    if snapshot:
        await take_snapshots(c, spec, key)
    process = await c.submit(spec, key=key)
    if show:
        click.echo(f"Process {process.process_id} submitted", err=True)
    if follow:
        colony = spec.conditions.colony_name
        return process, await follow_logs(c, colony, process.process_id, key, echo_logs)
    if wait:
        return process, await wait_for_process(c, process, key, show)
    return process, None


def report(submitted: Process, closed: Process | None, out: bool, as_json: bool) -> None:
    """Print the outcome of submit/exec; a failed or cancelled process exits with status 1."""
    final = closed or submitted
    if as_json:
        echo_json(final)
    elif closed is None:
        click.echo(submitted.process_id)
    elif out and closed.state == ProcessState.SUCCESS:
        click.echo(tables.fmt_list(closed.output))
    elif closed.state == ProcessState.SUCCESS:
        click.echo(f"Process {closed.process_id} finished: Successful")
    if closed is not None and closed.state != ProcessState.SUCCESS:
        state = tables.STATE_NAMES[closed.state]
        raise CliError(f"Process {closed.process_id} finished: {state} ({failure_reason(closed)})")


def watch_flags(f: F) -> F:
    for option in (
        click.option("--wait", is_flag=True, help="Wait until the process is closed."),
        click.option("--out", is_flag=True, help="Wait, then print the process output."),
        click.option("--follow", is_flag=True, help="Print the logs until the process closes."),
    ):
        f = option(f)
    return f


def submit_spec(
    env: Env,
    spec: FunctionSpec,
    wait: bool,
    out: bool,
    follow: bool,
    as_json: bool,
    snapshot: bool = False,
) -> None:
    key = env.prvkey
    show = not as_json

    async def action(c: ColoniesClient) -> tuple[Process, Process | None]:
        await warn_unassignable(c, key, spec.conditions.colony_name or env.colony, [spec])
        return await submit_and_watch(c, spec, key, wait or out, follow, show, snapshot)

    submitted, closed = run(env, action)
    report(submitted, closed, out, as_json)


@function.command()
@spec_option(help="FunctionSpec JSON file.")
@lenient_option
@no_cache_option
@click.option("--label", help="Set the spec's label.")
@click.option(
    "--snapshot", is_flag=True, help="Snapshot the label of each fs.snapshots mount first."
)
@watch_flags
@client_options
@json_option
def submit(
    env: Env,
    spec: Path,
    lenient: bool,
    no_cache: bool,
    label: str | None,
    snapshot: bool,
    wait: bool,
    out: bool,
    follow: bool,
    as_json: bool,
) -> None:
    """Submit a function spec; prints the process id (or the output with --out).

    \b
    Example:
      colonies function submit --spec examples/functions/helloworld.json --wait --out
      colonies function submit --spec train.json --no-cache   # a spec with "cache"
    """
    function_spec = load_function_spec(spec, env.colony, lenient)
    if no_cache:
        skip_cache([function_spec])
    if label is not None:
        function_spec.label = label
    submit_spec(env, function_spec, wait, out, follow, as_json, snapshot)


def _pairs(values: tuple[str, ...], sep: str, flag: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in _list(values):
        k, found, v = item.partition(sep)
        if not found:
            raise CliError(f"{flag} takes key{sep}value pairs, got {item!r}.")
        result[k] = v
    return result


def _kwargs(values: tuple[str, ...]) -> dict[str, Any]:
    """``--kwargs k:v,…``; as in the reference, the value of ``args`` is a comma-separated
    list (quote the item to keep its commas: ``'cmd:python3,"args:a.py,-v"'``)."""
    pairs: dict[str, Any] = _pairs(values, ":", "--kwargs")
    if "args" in pairs:
        pairs["args"] = pairs["args"].split(",")
    return pairs


def _list(values: tuple[str, ...]) -> list[str]:
    """Items of repeated and comma-separated values; like the reference's flags (CSV), an
    item in double quotes may contain commas."""
    return [item for value in values for item in next(csv.reader([value])) if item]


def _snapshot_mounts(values: tuple[str, ...]) -> list[dict[str, Any]]:
    """``fs.snapshots`` mounts (MODEL §4.2) from LABEL:DIR items."""
    mounts = []
    for item in _list(values):
        label, found, directory = item.partition(":")
        if not found or not label or not directory:
            raise CliError(f"--snapshots takes LABEL:DIR items, got {item!r}.")
        mounts.append(
            {
                "snapshotid": "",
                "label": label,
                "dir": directory,
                "keepfiles": False,
                "keepsnapshot": False,
            }
        )
    return mounts


@function.command(name="exec")
@click.option("--func", required=True, help="Function name.")
@click.option("--args", multiple=True, help="Positional arguments (comma-separated or repeated).")
@click.option(
    "--kwargs",
    multiple=True,
    help="Keyword arguments, key:value,key:value; args is a list: '\"args:a,b\"'.",
)
@click.option("--env", "env_vars", multiple=True, help="Environment, key=value,key=value.")
@click.option("--targettype", help="Executor type to run on [env COLONIES_EXECUTOR_TYPE].")
@click.option("--targetid", help="Executor name to run on (instead of a type).")
@click.option("--maxwaittime", type=int, default=-1, show_default=True, help="Seconds.")
@click.option("--maxexectime", type=int, default=-1, show_default=True, help="Seconds.")
@click.option("--maxretries", type=int, default=-1, show_default=True, help="Retries.")
@click.option("--priority", type=int, default=0, show_default=True, help="Priority.")
@click.option("--label", default="", help="Process label.")
@click.option(
    "--snapshots",
    multiple=True,
    metavar="LABEL:DIR",
    help="Give the executor the files of fs LABEL in DIR before it runs (comma-separated "
    "or repeated). Without --snapshot it gets the label as it is when the process starts.",
)
@click.option(
    "--snapshot",
    is_flag=True,
    help="Snapshot each --snapshots label now, so the process sees the files of this moment.",
)
@watch_flags
@client_options
@json_option
def exec_(
    env: Env,
    func: str,
    args: tuple[str, ...],
    kwargs: tuple[str, ...],
    env_vars: tuple[str, ...],
    targettype: str | None,
    targetid: str | None,
    maxwaittime: int,
    maxexectime: int,
    maxretries: int,
    priority: int,
    label: str,
    snapshots: tuple[str, ...],
    snapshot: bool,
    wait: bool,
    out: bool,
    follow: bool,
    as_json: bool,
) -> None:
    """Run a function by name without a spec file.

    \b
    Example:
      colonies function exec --func echo --args hello,world --targettype cli --wait --out
      colonies function exec --func train --targettype python-executor \\
          --snapshots /datasets/mnist:data --snapshot --follow
    """
    mounts = _snapshot_mounts(snapshots)
    if snapshot and not mounts:
        raise CliError("--snapshot needs --snapshots LABEL:DIR: it snapshots those labels.")
    executor_type = targettype or ("" if targetid else env.settings.executor_type)
    if not executor_type and not targetid:
        raise CliError(
            "Say where to run: pass --targettype (or set COLONIES_EXECUTOR_TYPE) or --targetid."
        )
    spec = FunctionSpec(
        func_name=func,
        args=list(_list(args)),
        kw_args=_kwargs(kwargs),
        env=_pairs(env_vars, "=", "--env"),
        max_wait_time=maxwaittime,
        max_exec_time=maxexectime,
        max_retries=maxretries,
        priority=priority,
        label=label,
        conditions=Conditions(
            colony_name=env.colony,
            executor_type=executor_type,
            executor_names=[targetid] if targetid else None,
        ),
        fs=Filesystem(snapshots=mounts or None),
    )
    submit_spec(env, spec, wait, out, follow, as_json, snapshot)


@function.command()
@click.option("--name", required=True, help="Name of the executor offering the function.")
@click.option("--func", required=True, help="Function name.")
@click.option("--description", default="", help="What the function does.")
@client_options
@json_option
def register(env: Env, name: str, func: str, description: str, as_json: bool) -> None:
    """Register a function offered by an executor (signed with the executor's key).

    \b
    Example:
      colonies function register --name helloworld-executor --func helloworld
    """
    colony_name, key = env.colony, env.prvkey

    async def action(c: ColoniesClient) -> Function:
        owner = await c.get_executor(name, colony=colony_name, key=key)
        fn = Function(
            executor_name=name,
            executor_type=owner.executor_type,
            colony_name=colony_name,
            func_name=func,
            description=description,
        )
        return await c.add_function(fn, key=key)

    added = run(env, action)
    if as_json:
        echo_json(added)
    else:
        click.echo(f"Function {added.func_name} registered for {name}: {added.function_id}")


@function.command(name="ls")
@click.option("--name", help="Only functions of this executor.")
@client_options
@json_option
def list_functions(env: Env, name: str | None, as_json: bool) -> None:
    """List the functions of the colony with their call statistics.

    \b
    Example:
      colonies function ls
    """
    colony_name, key = env.colony, env.prvkey
    found = run(
        env, lambda c: c.get_functions(executor_name=name or "", colony=colony_name, key=key)
    )
    echo_list(found, as_json, tables.functions_table, "functions")


@function.command()
@click.option("--functionid", required=True, help="Function id.")
@client_options
def remove(env: Env, functionid: str) -> None:
    """Remove a registered function.

    \b
    Example:
      colonies function remove --functionid 2b2c...
    """
    key = env.prvkey
    run(env, lambda c: c.remove_function(functionid, key=key))
    click.echo(f"Function {functionid} removed")
