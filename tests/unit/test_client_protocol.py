"""The client is the one definition of what it sends: one method per payload type, built
from the Msg classes (a misspelt field fails the type check), and the sync client is
generated from it."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from types import ModuleType

import pytest
from mypy import api as mypy_api

from colonies.client import SENDS, ColoniesClient
from colonies.errors import ConfigError
from colonies.rpc import MESSAGES
from colonies.sync_client import SyncColoniesClient

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_sync_client", ROOT / "tools/gen_sync_client.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_payload_type_has_exactly_one_client_method() -> None:
    assert sorted(set(MESSAGES) - set(SENDS)) == [], "payload types no client method sends"
    assert sorted(set(SENDS) - set(MESSAGES)) == [], "client methods of unknown types"
    marked: dict[str, list[str]] = {}
    for name, method in inspect.getmembers(ColoniesClient, inspect.isfunction):
        msg = getattr(method, "__sends__", None)
        if msg is not None:
            marked.setdefault(msg.payload_type, []).append(name)
    assert marked == {t: [name] for t, name in SENDS.items()}
    for payload_type, cls in MESSAGES.items():  # subscriptions included
        method = getattr(ColoniesClient, SENDS[payload_type])
        assert cls.__name__ in inspect.getsource(method), (payload_type, method.__name__)


def test_the_sync_client_is_generated_from_the_current_client() -> None:
    current = (ROOT / "colonies/sync_client.py").read_text()
    assert _generator().render() == current, "run: python tools/gen_sync_client.py"


def test_the_sync_client_has_every_public_method_with_the_same_parameters() -> None:
    for name, method in inspect.getmembers(ColoniesClient, inspect.isfunction):
        if name.startswith("_") or not (
            inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method)
        ):
            continue
        blocking = getattr(SyncColoniesClient, name)
        assert list(inspect.signature(blocking).parameters) == list(
            inspect.signature(method).parameters
        ), name


def test_a_misspelt_message_field_is_a_type_error(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from colonies.rpc.process import GetProcessMsg\n"
        'ok = GetProcessMsg(process_id="x")\n'
        'bad = GetProcessMsg(procesid="x")\n'
    )
    out, _, status = mypy_api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--no-incremental", str(probe)]
    )
    assert status == 1
    assert 'probe.py:3: error: Unexpected keyword argument "procesid"' in out
    assert "probe.py:2" not in out


async def test_a_call_without_a_key_or_colony_says_how_to_give_them() -> None:
    client = ColoniesClient("http://127.0.0.1:9")  # nothing is sent: the check comes first
    with pytest.raises(ConfigError, match="no signing key: construct the client with prvkey"):
        await client.get_process("p")
    with pytest.raises(ConfigError, match="no colony"):
        await client.get_processes(0, 1, key="00" * 32)
    view = client.signed_by("11" * 32, colony="dev")
    assert (view.prvkey, view.colony, view.url) == ("11" * 32, "dev", client.url)
    await client.close()
