"""The built-in shell executor: ``funcname`` is a command, ``args`` its arguments.

The command runs without a shell (no globbing, redirection or variable expansion) unless
the executor was made with ``shell=True``: then ``funcname`` and ``args`` are joined with
spaces into one command line that ``sh -c`` runs, so the reference docs' ``date >
/tmp/currentdate`` works, and so does any shell code a submitter sends. ``spec.env`` is
added to the command's environment. Every stdout/stderr line becomes a process log entry; the
output is the whole stdout (without the final newline). A non-zero exit status fails the
process with one sentence: the status and the last stderr line. ``maxexectime`` > 0 kills
the command when it runs out, as does the end of a shutdown grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Iterable
from typing import Any

from colonies.executor_sdk.context import ProcessContext
from colonies.executor_sdk.executor import Executor


class CommandFailed(Exception):
    """The command could not start, exited with a non-zero status or ran out of time: the
    process fails with this one sentence (no exception name, no traceback in its log)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.process_errors = [message]


SHELL = "/bin/sh"


async def run_command(
    ctx: ProcessContext, allowed: frozenset[str] | None = None, *, shell: bool = False
) -> str:
    """Run ``ctx.func_name`` with ``ctx.args`` (as one ``sh -c`` command line with
    ``shell``); returns stdout."""
    command = ctx.func_name
    if allowed is not None and command not in allowed:
        raise CommandFailed(f"command {command!r} is not allowed on this executor")
    argv = [command, *(a if isinstance(a, str) else _text(a) for a in ctx.args)]
    if shell:
        argv = [SHELL, "-c", " ".join(argv)]
    limit = ctx.process.spec.max_exec_time
    try:
        status, out, err = await run_logged(
            ctx,
            argv,
            {**os.environ, **ctx.env},
            limit_s=limit if limit > 0 else None,
            forward=ctx.executor.forward_output,
        )
    except FileNotFoundError:
        raise CommandFailed(f"{command}: command not found") from None
    except TimeoutError:
        raise CommandFailed(
            f"{command} timed out: it ran longer than its maxexectime of {limit} s and was stopped"
        ) from None
    except OSError as refused:
        raise CommandFailed(f"{command} could not start: {refused.strerror or refused}") from None
    if status != 0:
        last = err[-1].strip() if err else ""
        raise CommandFailed(
            f"{command} exited with status {status}" + (f": {last}" if last else "")
        )
    return "".join(out).removesuffix("\n")


async def run_logged(
    ctx: ProcessContext,
    argv: list[str],
    env: dict[str, str],
    *,
    limit_s: float | None = None,
    forward: bool = True,
) -> tuple[int, list[str], list[str]]:
    """Run ``argv`` without stdin; each stdout and stderr line goes to the process log as
    it is read (with ``forward``). Returns the exit status and the stdout and stderr lines.
    Past ``limit_s`` (TimeoutError), or when cancelled, the command is killed first."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out: list[str] = []
    err: list[str] = []
    try:
        async with asyncio.timeout(limit_s):
            await asyncio.gather(
                _pump(proc.stdout, out, ctx, forward), _pump(proc.stderr, err, ctx, forward)
            )
            return await proc.wait(), out, err
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(Exception):
            await proc.wait()
        raise


def _text(value: Any) -> str:
    return json.dumps(value)


async def _pump(
    stream: asyncio.StreamReader, into: list[str], ctx: ProcessContext, forward: bool
) -> None:
    """Collect ``stream``'s lines; with ``forward``, also post each one to the log."""
    while line := await stream.readline():
        text = line.decode(errors="replace")
        into.append(text)
        if forward:
            with contextlib.suppress(Exception):
                await ctx.log(text)


def shell_executor(
    executor_type: str = "cli",
    *,
    commands: Iterable[str] | None = None,
    shell: bool = False,
    **options: Any,
) -> Executor:
    """An Executor whose fallback runs any command (or only ``commands``, if given).

    The commands in ``commands`` are also announced as functions. With ``shell`` each
    process's command line runs under ``sh -c``: whoever may submit to the colony runs shell
    code on this host, and a list of ``commands`` would not hold (the arguments are shell
    code too), so the two cannot be combined.
    """
    if shell and commands is not None:
        raise ValueError(
            "a shell executor cannot limit its commands: with the shell, the arguments "
            "are shell code too (`echo; rm -rf ~`); drop the shell or the list of commands"
        )
    allowed = frozenset(commands) if commands is not None else None
    executor = Executor(executor_type, **options)

    async def run(*_args: Any, ctx: ProcessContext, **_kwargs: Any) -> str:
        return await run_command(ctx, allowed, shell=shell)

    executor.fallback(run)
    for command in allowed or ():
        executor.add_function(command, run, description=f"runs {command}")
    return executor
