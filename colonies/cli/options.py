"""Shared plumbing for client commands: options, the environment, keys, running and errors."""

from __future__ import annotations

import asyncio
import difflib
import functools
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, get_args

import click

# aiohttp, pydantic, the client and the models are imported where they are used: a command
# that fails early, --help and TAB completion never load them.
if TYPE_CHECKING:
    from pydantic import ValidationError

    from colonies.client import ColoniesClient
    from colonies.config import ClientSettings
    from colonies.core import FunctionSpec, WireModel, WorkflowSpec

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound="WireModel")

# What each key variable is for, for the "missing variable" sentence.
VARIABLES = {
    "COLONIES_SERVER_HOST": "the host of the colonies server",
    "COLONIES_COLONY_NAME": "the colony to work in",
    "COLONIES_PRVKEY": "your private key (a user's or an executor's), which signs requests",
    "COLONIES_COLONY_PRVKEY": "the colony owner's private key, needed for this command",
    "COLONIES_SERVER_PRVKEY": "the server owner's private key, needed for this command",
}
FLAGS = {
    "COLONIES_PRVKEY": "--prvkey",
    "COLONIES_COLONY_PRVKEY": "--colonyprvkey",
    "COLONIES_SERVER_PRVKEY": "--serverprvkey",
    "COLONIES_SERVER_HOST": "--host",
}


# Server messages that a new user needs one more sentence about.


# Error texts that clients match on (Go grammar included) stay as the server sends them;
# these add a sentence a newcomer can act on: (pattern, sentence with the pattern's groups).
READABLE = (
    (
        r"executor not found",
        "This command must be signed by an executor's key, and COLONIES_PRVKEY is not one: "
        "pass --prvkey with an executor's key (`colonies executor create` makes one).",
    ),
    (
        r"Not allowed to add a function to another executor",
        "Register a function with the key of the executor that offers it (--prvkey).",
    ),
    (
        r"Failed to (?:get|remove|change \w+ state)[^,]*, (\w+) is nil",
        "There is no such {0} in colony {colony}: check the name (`colonies {0} ls` lists them).",
    ),
    (
        r"Colony with name <([^>]*)> does not exists",
        "There is no colony named {0} on this server: check COLONIES_COLONY_NAME or --name "
        "(`colonies colony ls` with the server owner key lists them).",
    ),
    (
        r"Attribute does not exists",
        "There is no attribute with that id: `colonies process get -p ID` lists a process's "
        "attributes.",
    ),
)


def readable(message: str, colony: str) -> str:
    """A plain sentence for a Go-grammar error text, or "" when none applies."""
    import re

    for pattern, sentence in READABLE:
        found = re.search(pattern, message)
        if found:
            return sentence.format(*found.groups(), colony=colony or "?")
    return ""


class CliError(click.ClickException):
    """An error shown as one sentence (and detail with --verbose); exit status 1."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail
        self.verbose = _verbose()

    def format_message(self) -> str:
        if self.detail and self.verbose:
            return f"{self.message}\n{self.detail}"
        return self.message


def _verbose() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and isinstance(root.obj, dict) and root.obj.get("verbose"))


def missing(variable: str) -> NoReturn:
    flag = FLAGS.get(variable)
    how = f"`export {variable}=...`" + (f" (or pass {flag})" if flag else "")
    raise CliError(
        f"{variable} is not set: it is {VARIABLES.get(variable, 'required')}. "
        f"Set it with {how}, or start a development server with `colonies dev` "
        "and source the environment it prints."
    )


def valid_key(key: str, where: str) -> str:
    """``key`` if it is a secp256k1 private key (64 hex characters), else a sentence saying
    where the bad key came from."""
    from colonies.crypto import id_from_private_key

    try:
        id_from_private_key(key)
    except (ValueError, TypeError) as e:
        raise CliError(
            f"{where} is not a private key (64 hex characters): {e}. "
            "`colonies key generate` makes one."
        ) from None
    return key


def _key(*sources: tuple[str, str]) -> str:
    """The first key given among (value, where it comes from), checked; none is a missing
    variable (the one among the sources)."""
    for value, where in sources:
        if value:
            return valid_key(value, where)
    missing(next(where for _, where in sources if where.startswith("COLONIES_")))


@dataclass(frozen=True)
class Env:
    """The client configuration in effect for one command."""

    settings: ClientSettings
    prvkey_flag: str = ""
    colonyprvkey_flag: str = ""
    serverprvkey_flag: str = ""

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.settings.tls else 'http'}://{self.address}"

    @property
    def colony(self) -> str:
        return self.settings.colony_name or missing("COLONIES_COLONY_NAME")

    @property
    def prvkey(self) -> str:
        return _key((self.prvkey_flag, "--prvkey"), (self.settings.prvkey, "COLONIES_PRVKEY"))

    @property
    def colony_prvkey(self) -> str:
        # The reference always takes the colony key from the environment when it is set.
        return _key(
            (self.settings.colony_prvkey, "COLONIES_COLONY_PRVKEY"),
            (self.colonyprvkey_flag, "--colonyprvkey"),
        )

    @property
    def server_prvkey(self) -> str:
        return _key(
            (self.settings.server_prvkey, "COLONIES_SERVER_PRVKEY"),
            (self.serverprvkey_flag, "--serverprvkey"),
        )

    def client(self) -> ColoniesClient:
        from colonies.client import ColoniesClient

        if not self.settings.host:
            missing("COLONIES_SERVER_HOST")
        return ColoniesClient.from_env(self.settings, one_shot=True)


def root_obj() -> dict[str, Any]:
    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    return obj if isinstance(obj, dict) else {}


def client_settings() -> ClientSettings:
    """ClientSettings from COLONIES_*, a bad value as one sentence naming its variable."""
    from colonies.config import ClientSettings, SettingsError

    try:
        return ClientSettings.from_env()
    except SettingsError as e:
        raise CliError(str(e)) from None


def load_env(
    host: str | None = None,
    port: int | None = None,
    prvkey: str | None = None,
    colonyprvkey: str | None = None,
    serverprvkey: str | None = None,
) -> Env:
    """ClientSettings from COLONIES_*, with command-line overrides applied."""
    settings = client_settings()
    obj = root_obj()
    if host:
        settings = replace(settings, host=host)
    if port is not None and port > 0:
        settings = replace(settings, port=port)
    if obj.get("colony"):
        settings = replace(settings, colony_name=obj["colony"])
    if obj.get("insecure"):
        settings = replace(settings, tls=False)
    if obj.get("skip_tls_verify"):
        settings = replace(settings, verify_tls=False)
    return Env(settings, prvkey or "", colonyprvkey or "", serverprvkey or "")


def client_options(f: F) -> F:
    """Add --host/--port/--prvkey and pass ``env`` (an Env) to the callback."""

    @click.option("--host", help="Server host [env COLONIES_SERVER_HOST, localhost].")
    @click.option("--port", type=int, help="Server port [env COLONIES_SERVER_PORT, 50080].")
    @click.option("--prvkey", help="Signing key [env COLONIES_PRVKEY].")
    @functools.wraps(f)
    def wrapper(host: str | None, port: int | None, prvkey: str | None, **kw: Any) -> Any:
        kw["env"] = load_env(
            host,
            port,
            prvkey,
            kw.pop("colonyprvkey", None),
            kw.pop("serverprvkey", None),
        )
        return f(**kw)

    return wrapper  # type: ignore[return-value]


colony_key_option = click.option(
    "--colonyprvkey", help="Colony owner key (COLONIES_COLONY_PRVKEY wins when set)."
)
server_key_option = click.option(
    "--serverprvkey", help="Server owner key (COLONIES_SERVER_PRVKEY wins when set)."
)


def json_option(f: F) -> F:
    """``--json``: print the wire JSON instead of a table (also a global flag)."""

    @click.option("--json", "as_json", is_flag=True, help="Print the wire JSON.")
    @functools.wraps(f)
    def wrapper(as_json: bool, **kw: Any) -> Any:
        return f(as_json=as_json or bool(root_obj().get("json")), **kw)

    return wrapper  # type: ignore[return-value]


def count_option(default: int = 20) -> Callable[[F], F]:
    return click.option(
        "--count", type=int, default=default, show_default=True, help="How many to list."
    )


def run(env: Env, action: Callable[[ColoniesClient], Awaitable[T]]) -> T:
    """Run ``action`` with a client; turn failures into one-sentence errors."""

    async def main() -> T:
        async with env.client() as client:
            return await action(client)

    return run_main(env, main)


def run_main(
    env: Env,
    main: Callable[[], Awaitable[T]],
    explain: Callable[[Exception], CliError | None] = lambda _: None,
) -> T:
    """``asyncio.run(main())``; a failure becomes one sentence: ``failure``'s for talking to
    the server, else ``explain``'s for the errors it knows, else the exception goes on (a
    bug shows its traceback)."""
    try:
        return asyncio.run(main())  # type: ignore[arg-type]
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        sys.exit(130)
    except CliError:
        raise
    except Exception as e:
        error = failure(e, env) or explain(e)
        if error is None:
            raise
        raise error from None


def failure(e: Exception, env: Env) -> CliError | None:
    """The sentence for a failure of talking to the server, or None if ``e`` is not one."""
    from colonies.errors import (
        ConfigError,
        ConnectError,
        ProtocolError,
        RPCError,
        Timeout,
        TransportError,
    )

    if isinstance(e, RPCError):
        from colonies.cli.explain import why_refused  # only when the server refused

        hint = why_refused(env, e.message) or readable(e.message, env.settings.colony_name)
        return CliError(
            f"The server refused the request: {e.message}" + (f"\n{hint}" if hint else ""),
            f"(HTTP status {e.status} from {env.url})",
        )
    if isinstance(e, ConnectError):
        why = "connection refused" if e.refused else str(e)
        return CliError(
            f"Cannot connect to the colonies server at {env.address} ({why}). "
            "Is it running? Start one with `colonies dev`, or set "
            "COLONIES_SERVER_HOST and COLONIES_SERVER_PORT.",
            f"({type(e).__name__}: {e})",
        )
    if isinstance(e, Timeout):
        return CliError(
            f"The colonies server at {env.address} did not answer in time ({e}). Check that "
            "this address is a colonies server and that it is running; on a slow network "
            "raise COLONIES_CONNECT_TIMEOUT or COLONIES_READ_TIMEOUT (seconds).",
            f"({type(e).__name__})",
        )
    if isinstance(e, ProtocolError):
        return CliError(
            f"{env.url} did not answer like a colonies server: is COLONIES_SERVER_HOST/PORT "
            "the address of one?",
            f"({e})",
        )
    if isinstance(e, TransportError):
        return CliError(
            f"Talking to the colonies server at {env.address} failed: {e}",
            f"({type(e).__name__})",
        )
    if isinstance(e, ConfigError):
        return CliError(f"{e}.")
    return None


def echo_json(value: WireModel | Iterable[WireModel] | None) -> None:
    """Print the wire JSON of one object or a list (``null`` for none)."""
    from colonies.core import WireModel

    if value is None:
        data: Any = None
    elif isinstance(value, WireModel):
        data = value.to_wire()
    else:
        data = [v.to_wire() for v in value]
    click.echo(json.dumps(data, indent=4))


def echo_list(
    found: Sequence[M], as_json: bool, table: Callable[[Sequence[M]], str], what: str
) -> None:
    """A list as wire JSON, as a table, or ``No <what> found`` when it is empty."""
    if as_json:
        echo_json(found)
    elif not found:
        click.echo(f"No {what} found")
    else:
        click.echo(table(found))


def echo_one(found: M, as_json: bool, table: Callable[[M], str]) -> None:
    """One object as wire JSON or as its detail table."""
    if as_json:
        echo_json(found)
    else:
        click.echo(table(found))


def confirm_yes(question: str, assume_yes: bool) -> None:
    """The reference's prompt: only ``YES`` proceeds; anything else aborts (exit 1)."""
    if assume_yes:
        return
    answer = click.prompt(f"{question} (YES,no)", default="no", show_default=False)
    if answer.strip() != "YES":
        raise CliError("Aborted: nothing was removed.")


# spec files


def read_json(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as e:
        raise CliError(f"Cannot read the spec file {path}: {e.strerror}.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise CliError(
            f"The spec file {path} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}."
        ) from None


def _field_errors(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        parts.append(f"{loc or 'value'}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(parts)


def _nested_model(model: type[WireModel], alias: str) -> type[WireModel] | None:
    """The WireModel a field holds (alone, in a list, or optional), if it holds one."""
    from colonies.core import WireModel

    for name, field in model.model_fields.items():
        if (field.alias or name) != alias:
            continue
        kinds = [field.annotation]
        while kinds:
            kind = kinds.pop()
            if isinstance(kind, type) and issubclass(kind, WireModel):
                return kind
            kinds.extend(get_args(kind))
    return None


def unknown_keys(model: type[WireModel], data: Any, where: str = "") -> list[str]:
    """Each key of ``data`` (nested objects too) that ``model`` does not know, by its path,
    with the known key it is closest to: ``"conditons" (did you mean "conditions"?)``."""
    if not isinstance(data, dict):
        return []
    known = model._wire_keys
    found = []
    for key, value in data.items():
        alias = known.get(str(key).lower())
        if alias is None:
            close = difflib.get_close_matches(str(key).lower(), list(known), n=1)
            hint = f' (did you mean "{where}{known[close[0]]}"?)' if close else ""
            found.append(f'"{where}{key}"{hint}')
            continue
        inner = _nested_model(model, alias)
        if inner is None:
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                found += unknown_keys(inner, item, f"{where}{alias}[{i}].")
        else:
            found += unknown_keys(inner, value, f"{where}{alias}.")
    return found


def check_keys(
    model: type[WireModel], data: Any, path: Path, where: str = "", lenient: bool = True
) -> None:
    """Refuse a spec with keys the model does not know (the server would ignore them, so a
    misspelt condition is silently lost), or with ``lenient`` warn about them on stderr."""
    unknown = unknown_keys(model, data)
    if not unknown:
        return
    keys = f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
    if lenient:
        click.echo(f"Warning: {path}{where}: {keys} ignored", err=True)
        return
    raise CliError(
        f"The spec file {path}{where} has {keys}. The server ignores keys it does not know, "
        "so the spec would run without them: fix the spelling, or pass --lenient to submit "
        "it with them ignored."
    )


def parse_model(model: type[M], data: Any, path: Path, where: str = "", lenient: bool = True) -> M:
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise CliError(f"The spec file {path}{where} must be a JSON object.")
    check_keys(model, data, path, where, lenient)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise CliError(f"The spec file {path}{where} has bad fields: {_field_errors(e)}.") from None


lenient_option = click.option(
    "--lenient",
    is_flag=True,
    help="Accept a spec with unknown keys (warn and ignore them, as the reference does) "
    "instead of refusing it.",
)


no_cache_option = click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    help="Run even if the spec's cache holds a result; the run becomes the newest result.",
)


def skip_cache(specs: Iterable[FunctionSpec]) -> None:
    """``--no-cache``: specs that ask for caching run anyway (``cache.refresh``)."""
    for spec in specs:
        if spec.cache is not None:
            spec.cache.refresh = True


def parse_function_spec(
    data: Any, path: Path, colony: str, where: str = "", lenient: bool = False
) -> FunctionSpec:
    """A FunctionSpec as the reference's parser reads it (colony from env, 0 limits become -1);
    unknown keys are refused unless ``lenient``."""
    from colonies.core import FunctionSpec

    spec = parse_model(FunctionSpec, data, path, where, lenient)
    if not spec.func_name:
        raise CliError(
            f"The spec file {path}{where} has no funcname: "
            'name the function to run, e.g. "funcname": "helloworld".'
        )
    if not spec.conditions.colony_name:
        spec.conditions.colony_name = colony
    if spec.max_wait_time == 0:
        spec.max_wait_time = -1
    if spec.max_exec_time == 0:
        spec.max_exec_time = -1
    return spec


def load_function_spec(path: Path, colony: str, lenient: bool = False) -> FunctionSpec:
    data = read_json(path)
    if isinstance(data, list):
        raise CliError(
            f"The spec file {path} holds a list; `function submit` takes one function spec "
            "(a JSON object). Submit a list with `colonies workflow submit`."
        )
    return parse_function_spec(data, path, colony, lenient=lenient)


def load_function_specs(path: Path, colony: str, lenient: bool = False) -> list[FunctionSpec]:
    """A JSON array of function specs (workflow, cron and generator spec files)."""
    return function_specs_from(read_json(path), path, colony, lenient)


def load_workflow_spec(path: Path, colony: str, lenient: bool = False) -> WorkflowSpec:
    """A workflow spec file: a JSON array of function specs, or an object with
    ``functionspecs`` and optionally ``failurepolicy``."""
    from colonies.core import WorkflowSpec

    data = read_json(path)
    policy = data.get("failurepolicy", "") if isinstance(data, dict) else ""
    if not isinstance(policy, str):
        raise CliError(
            f"The spec file {path} has a failurepolicy that is not a string: {policy!r}."
        )
    specs = function_specs_from(data, path, colony, lenient)
    return WorkflowSpec(colony_name=colony, function_specs=specs, failure_policy=policy)


def function_specs_from(
    data: Any, path: Path, colony: str, lenient: bool = False
) -> list[FunctionSpec]:
    """The function specs of a spec file's JSON: an array, or an object's ``functionspecs``."""
    if isinstance(data, dict) and "functionspecs" in data:
        data = data["functionspecs"]
    if not isinstance(data, list) or not data:
        raise CliError(f"The spec file {path} must hold a non-empty JSON array of function specs.")
    return [
        parse_function_spec(d, path, colony, f" (item {i})", lenient) for i, d in enumerate(data)
    ]


def spec_option(required: bool = True, help: str = "JSON spec file.") -> Callable[[F], F]:
    return click.option(
        "--spec",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=required,
        help=help,
    )


def hostname_suffix(name: str) -> str:
    """The reference appends ``.$HOSTNAME`` to executor names when HOSTNAME is set."""
    host = os.environ.get("HOSTNAME", "")
    return f"{name}.{host}" if host else name
