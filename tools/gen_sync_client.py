"""Write colonies/sync_client.py: SyncColoniesClient, ColoniesClient's API as blocking calls.

Run ``python tools/gen_sync_client.py`` after changing a public method of ColoniesClient;
tests/unit/test_sync_client.py fails while the written file is not what this makes. Each
public coroutine method becomes a method with the same parameters (annotations and defaults
as written in colonies/client.py) that runs it on the client's event loop; async
generators (subscriptions) become blocking iterators.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "colonies" / "client.py"
TARGET = ROOT / "colonies" / "sync_client.py"
SKIP = {"close"}  # written by hand in the template
WIDTH = 100

HEAD = '''"""SyncColoniesClient: the ColoniesClient API as blocking calls, for scripts, notebooks.

Generated from colonies/client.py by tools/gen_sync_client.py: do not edit by hand.

Calls run on a private event loop in a background thread, so this also works where an event
loop is already running (Jupyter). Subscriptions are blocking iterators. Same constructor,
defaults and errors as ColoniesClient::

    with SyncColoniesClient(url, prvkey=key, colony="dev") as client:
        process = client.submit(spec)
        client.get_process(process.process_id, key=other_key)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Coroutine, Iterator
from datetime import datetime
from typing import Any, TypeVar

{imports}

T = TypeVar("T")


async def _make(url: str, kw: dict[str, Any]) -> ColoniesClient:
    return ColoniesClient(url, **kw)


async def _anext(stream: AsyncGenerator[T, None]) -> T:
    return await anext(stream)  # a coroutine, as run_coroutine_threadsafe wants


class SyncColoniesClient:
    """ColoniesClient, blocking (see the module text)."""

    def __init__(
        self,
        url: str,
        *,
        prvkey: str = "",
        colony: str = "",
        timeouts: Timeouts | None = None,
        verify_tls: bool = True,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._owner = True
        kw = {{"prvkey": prvkey, "colony": colony, "timeouts": timeouts, "verify_tls": verify_tls}}
        self._client = self._run(_make(url, kw))

    @classmethod
    def from_env(cls, settings: ClientSettings | None = None) -> SyncColoniesClient:
        """A client for the COLONIES_* settings, as ColoniesClient.from_env."""
        s = settings or ClientSettings.from_env()
        return cls(
            f"{{'https' if s.tls else 'http'}}://{{s.host}}:{{s.port}}",
            prvkey=s.prvkey,
            colony=s.colony_name,
            timeouts=Timeouts.from_settings(s),
            verify_tls=s.verify_tls,
        )

    def signed_by(self, prvkey: str, *, colony: str | None = None) -> SyncColoniesClient:
        """A view that signs with ``prvkey`` (see ColoniesClient.signed_by); it shares this
        client's loop and connections, and closing it closes nothing."""
        view = object.__new__(SyncColoniesClient)
        view._loop, view._thread, view._owner = self._loop, self._thread, False
        view._client = self._client.signed_by(prvkey, colony=colony)
        return view

    @property
    def client(self) -> ColoniesClient:
        """The async client underneath (its calls must run on this client's loop)."""
        return self._client

    @property
    def prvkey(self) -> str:
        return self._client.prvkey

    @property
    def colony(self) -> str:
        return self._client.colony

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _iterate(self, stream: AsyncGenerator[T, None]) -> Iterator[T]:
        try:
            while True:
                try:
                    yield self._run(_anext(stream))
                except StopAsyncIteration:
                    return
        finally:
            self._run(stream.aclose())

    def close(self) -> None:
        if not self._owner:
            return
        self._run(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> SyncColoniesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
'''


class _Source:
    """colonies/client.py as bytes with its line offsets (ast columns count UTF-8 bytes)."""

    data = b""
    starts: list[int] = []

    @classmethod
    def load(cls, text: str) -> None:
        cls.data = text.encode()
        cls.starts = [0]
        for i, byte in enumerate(cls.data):
            if byte == 10:
                cls.starts.append(i + 1)


def _text(node: ast.expr) -> str:
    """The source text of ``node`` as written in colonies/client.py."""
    assert node.end_lineno is not None and node.end_col_offset is not None
    start = _Source.starts[node.lineno - 1] + node.col_offset
    end = _Source.starts[node.end_lineno - 1] + node.end_col_offset
    return _Source.data[start:end].decode()


def _param(arg: ast.arg, default: ast.expr | None) -> str:
    text = arg.arg
    if arg.annotation is not None:
        text += f": {_text(arg.annotation)}"
    if default is not None:
        text += f" = {_text(default)}" if arg.annotation else f"={_text(default)}"
    return text


def _signature(fn: ast.AsyncFunctionDef) -> tuple[list[str], list[str]]:
    """(parameter texts without self, argument texts of the forwarding call)."""
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
    defaults += a.defaults
    params, forward = [], []
    for arg, default in list(zip(positional, defaults, strict=True))[1:]:
        params.append(_param(arg, default))
        forward.append(arg.arg)
    if a.vararg is not None:
        raise SystemExit(f"{fn.name}: *args is not supported")
    if a.kwonlyargs:
        params.append("*")
    for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        params.append(_param(arg, kw_default))
        forward.append(f"{arg.arg}={arg.arg}")
    if a.kwarg is not None:
        raise SystemExit(f"{fn.name}: **kwargs is not supported")
    return params, forward


def _returns(fn: ast.AsyncFunctionDef, stream: bool) -> str:
    assert fn.returns is not None, f"{fn.name} has no return annotation"
    if stream:
        assert isinstance(fn.returns, ast.Subscript) and isinstance(fn.returns.slice, ast.Tuple)
        return f"Iterator[{_text(fn.returns.slice.elts[0])}]"
    return _text(fn.returns)


def _is_stream(fn: ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(fn))


def _method(fn: ast.AsyncFunctionDef) -> str:
    stream = _is_stream(fn)
    params, forward = _signature(fn)
    returns = _returns(fn, stream)
    one_line = f"    def {fn.name}(self{''.join(', ' + p for p in params)}) -> {returns}:"
    if len(one_line) <= WIDTH:
        head = one_line
    else:
        inner = ", ".join(["self", *params])
        two = f"    def {fn.name}(\n        {inner}\n    ) -> {returns}:"
        if max(len(line) for line in two.splitlines()) <= WIDTH:
            head = two
        else:
            lines = "".join(f"        {p},\n" for p in ["self", *params])
            head = f"    def {fn.name}(\n{lines}    ) -> {returns}:"
    wrap = "self._iterate" if stream else "self._run"
    call = f"self._client.{fn.name}({', '.join(forward)})"
    body_line = f"        return {wrap}({call})"
    if len(body_line) > WIDTH:
        args = "".join(f"                {f},\n" for f in forward)
        body_line = (
            f"        return {wrap}(\n            self._client.{fn.name}(\n"
            f"{args}            )\n        )"
        )
    doc = ast.get_docstring(fn, clean=True)
    doc_text = ""
    if doc:
        text = "\n".join(("        " + line) if line else "" for line in doc.splitlines())
        doc_text = f'        """{text.lstrip()}"""\n'
    return f"{head}\n{doc_text}{body_line}\n"


def _annotation_names(fns: list[ast.AsyncFunctionDef]) -> set[str]:
    names: set[str] = set()
    for fn in fns:
        for node in ast.walk(fn.args):
            if isinstance(node, ast.arg) and node.annotation is not None:
                names |= {n.id for n in ast.walk(node.annotation) if isinstance(n, ast.Name)}
        if fn.returns is not None:
            names |= {n.id for n in ast.walk(fn.returns) if isinstance(n, ast.Name)}
    return names


def render() -> str:
    source = SOURCE.read_text()
    _Source.load(source)
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ColoniesClient")
    fns = [
        n
        for n in cls.body
        if isinstance(n, ast.AsyncFunctionDef) and not n.name.startswith("_") and n.name not in SKIP
    ]
    origin: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                origin[alias.asname or alias.name] = node.module
    origin["ColoniesClient"] = "colonies.client"
    origin["Timeouts"] = "colonies.client"
    origin["Reply"] = "colonies.client"
    builtin = {"str", "int", "float", "bool", "bytes", "list", "dict", "tuple", "None"}
    in_head = {"AsyncGenerator", "Any", "Iterator", "datetime"}
    needed = _annotation_names(fns) - builtin - in_head
    needed |= {"ColoniesClient", "Timeouts", "ClientSettings"}
    by_module: dict[str, list[str]] = {}
    for name in sorted(needed):
        if name not in origin:
            raise SystemExit(f"cannot tell where {name} comes from")
        by_module.setdefault(origin[name], []).append(name)
    imports = []
    for module in sorted(by_module):
        names = sorted(by_module[module], key=lambda n: (not n.isupper(), n.lower()))
        line = f"from {module} import {', '.join(names)}"
        if len(line) > WIDTH:
            line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
        imports.append(line)
    head = HEAD.format(imports="\n".join(imports))
    return head + "".join("\n" + _method(fn) for fn in fns)


def main() -> None:
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if TARGET.read_text() == text else f"{TARGET} is not current")
    TARGET.write_text(text)


if __name__ == "__main__":
    main()
