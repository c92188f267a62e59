"""The ``colonies`` click group. Each command group lives in its own module, imported only
when that command runs (or its help is asked for), so ``colonies --help`` and TAB completion
do not pay for aiohttp, pydantic or boto3."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click
from click.shell_completion import CompletionItem

from colonies import __version__

# name -> (module:attribute, one-line help). The help is what `colonies --help` lists, kept
# here so listing does not import the modules; tests/cli/test_startup.py checks it against
# each command's own docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "attribute": (
        "colonies.cli.attribute:attribute",
        "Attach key-value attributes to processes and read them.",
    ),
    "audit": (
        "colonies.cli.audit:audit",
        "Read the audit log: every state-changing request, who made it and its status.",
    ),
    "blueprint": (
        "colonies.cli.blueprint:blueprint",
        "Declare desired state (blueprints) that reconciler executors make true.",
    ),
    "cluster": (
        "colonies.cli.cluster:cluster",
        "Inspect the cluster of colonies servers (server owner key).",
    ),
    "colony": (
        "colonies.cli.colony:colony",
        "Manage colonies (adding and removing needs the server owner key).",
    ),
    "completion": ("colonies.cli.completion:completion", "Print the completion script for SHELL."),
    "config": (
        "colonies.cli.config_cmd:config",
        "Show the configuration in effect (private keys masked).",
    ),
    "cron": (
        "colonies.cli.cron:cron",
        "Run workflows on a schedule (cron expression or interval).",
    ),
    "dashboard": (
        "colonies.cli.dashboard:dashboard",
        "Serve a live web dashboard of the colony on 127.0.0.1.",
    ),
    "database": (
        "colonies.cli.database:database",
        "Show the state of the server's database: reachable, schema version, size.",
    ),
    "dev": (
        "colonies.cli.dev:dev",
        "Start a development server on its own private PostgreSQL and a local S3.",
    ),
    "executor": (
        "colonies.cli.executor:executor",
        "Manage executors (approving, rejecting and removing needs the colony owner key).",
    ),
    "fs": (
        "colonies.cli.fs:fs",
        "Sync directories with Colonies FS labels, manage files and snapshots.",
    ),
    "function": (
        "colonies.cli.function:function",
        "Submit functions to executors, register and list functions.",
    ),
    "generator": (
        "colonies.cli.generator:generator",
        "Run a workflow each time enough arguments were packed (or a timeout passed).",
    ),
    "key": (
        "colonies.cli.keys:key",
        "Manage secp256k1 keys (every colony, user and executor is a key).",
    ),
    "location": (
        "colonies.cli.location:location",
        "Manage locations (adding and removing needs the colony owner key).",
    ),
    "log": ("colonies.cli.log:log", "Write and read the logs of processes."),
    "monitor": ("colonies.cli.monitor:monitor", "Export the server's statistics to Prometheus."),
    "process": (
        "colonies.cli.process:process",
        "Inspect and manage processes (function invocations).",
    ),
    "security": (
        "colonies.cli.keys:security",
        "Keys, as the reference names the group (same as `colonies key`).",
    ),
    "server": (
        "colonies.cli.server:server",
        "Run the colonies server, or ask a running one how it is.",
    ),
    "user": (
        "colonies.cli.user:user",
        "Manage the users (members) of the colony (also `colonies users`).",
    ),
    "version": (
        "colonies.cli.config_cmd:version",
        "Print the version of this CLI and of the server.",
    ),
    "workflow": (
        "colonies.cli.workflow:workflow",
        "Submit workflows (DAGs of function specs) and manage them.",
    ),
}
# Other names the reference's CLI and documentation use for a command.
ALIASES = {"users": "user"}


def load_command(name: str) -> click.Command:
    """Import the module of a command in COMMANDS and return the command."""
    module, _, attribute = COMMANDS[name][0].partition(":")
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    return command


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, ``...`` marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(" .,:;") + "..."


class LazyGroup(click.Group):
    """The root group: commands are imported on first use; listing and completing their
    names uses COMMANDS alone. With no arguments it prints its help and exits 0, as the
    reference does."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = ALIASES.get(cmd_name, cmd_name)
        if name not in self.commands and name in COMMANDS:
            self.add_command(load_command(name), name)
        return self.commands.get(name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shorten(COMMANDS[name][1], limit)) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        items = [
            CompletionItem(name, help=help)
            for name, (_, help) in sorted(COMMANDS.items())
            if name.startswith(incomplete)
        ]
        if incomplete.startswith("-"):
            items = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Option) and incomplete.startswith("-"):
                items.extend(
                    CompletionItem(opt)
                    for opt in (*param.opts, *param.secondary_opts)
                    if opt.startswith(incomplete)
                )
        return items


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="colonies")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging and error detail.")
@click.option("--insecure", is_flag=True, help="Use http/ws even if COLONIES_TLS says TLS.")
@click.option("--skip-tls-verify", is_flag=True, help="Do not verify the server certificate.")
@click.option("--json", "as_json", is_flag=True, help="Print wire JSON wherever supported.")
@click.option(
    "--wide",
    "--full-ids",
    "wide",
    is_flag=True,
    help="Show tables whole on a terminal (else long ids are shortened to fit its width).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    verbose: bool,
    insecure: bool,
    skip_tls_verify: bool,
    as_json: bool,
    wide: bool,
) -> None:
    """ColonyOS in Python: run work across heterogeneous compute.

    Start a development server with `colonies dev`, then use the printed environment.

    \b
    Example:
      colonies dev &
      source .colonies-dev/env
      colonies function exec --func echo --args hello --targettype cli

    On a terminal, tables fit its width (long ids shortened; --wide shows them whole) and
    states are coloured unless NO_COLOR is set; piped output is whole and plain.
    """
    from colonies.cli.style import configure
    from colonies.config import CliSettings

    configure(full_ids=wide)
    verbose = verbose or CliSettings.from_env().verbose
    obj: dict[str, Any] = {
        "verbose": verbose,
        "insecure": insecure,
        "skip_tls_verify": skip_tls_verify,
        "json": as_json,
    }
    ctx.obj = obj
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("asyncio").setLevel(logging.WARNING)


def main() -> None:
    cli()
