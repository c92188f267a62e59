"""End-to-end compatibility: drive the server with the real pycolonies 1.0.25 SDK.

Covers PROTOCOL.md §8 scenarios 1-9, 12 and 19. pycolonies is synchronous (``requests``) while
the server runs on the test's event loop, so every SDK call goes through ``asyncio.to_thread``.
pycolonies turns every error reply into ``ColoniesConnectionError(message)`` and does not expose
the HTTP status, so status codes are checked with a raw envelope signed by pycolonies' own
``crypto.sign`` and posted with aiohttp.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from crypto import Crypto, sign
from model import Conditions, FuncSpec, Process
from pycolonies import Colonies, ColoniesConnectionError, func_spec

from colonies.core import utc_now
from colonies.db import Database
from colonies.server import background
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony

COLONY = "test"
EXECUTOR = "test-executor"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
SERVER_ID = "039231c7644e04b6895471dd5335cf332681c54e27f81fac54f9067b3f2c0103"
NO_PROCESS = "No process available for assignment"


async def sdk(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking pycolonies call off the event loop that serves the requests."""
    return await asyncio.to_thread(fn, *args)


async def sdk_error(fn: Callable[..., Any], *args: Any) -> str:
    """Run a pycolonies call that must fail; return the server's error message."""
    with pytest.raises(ColoniesConnectionError) as err:
        await sdk(fn, *args)
    return str(err.value)


@dataclass
class Raw:
    status: int
    envelope: dict[str, Any]
    payload: Any

    @property
    def message(self) -> str:
        assert isinstance(self.payload, dict)
        return str(self.payload["message"])


async def raw(
    server: TestServer, msg: dict[str, Any], prvkey: str = "", signature: str | None = None
) -> Raw:
    """POST one envelope built as pycolonies builds it; decode the reply whatever the status."""
    payload = base64.b64encode(json.dumps(msg).encode()).decode()
    body = {
        "payloadtype": msg["msgtype"],
        "payload": payload,
        "signature": sign(payload, prvkey) if signature is None else signature,
    }
    url = f"http://127.0.0.1:{server.port}/api"
    async with aiohttp.ClientSession() as session, session.post(url, data=json.dumps(body)) as r:
        envelope = json.loads(await r.text())
        decoded = json.loads(base64.b64decode(envelope["payload"]))
        if envelope["error"]:
            assert envelope["payloadtype"] == "error" and decoded["status"] == r.status
        return Raw(r.status, envelope, decoded)


def new_key() -> tuple[str, str]:
    crypto = Crypto()
    key = crypto.prvkey()
    return key, crypto.id(key)


def spec(funcname: str = "echo", executortype: str = "cli", **fields: Any) -> Any:
    """A pycolonies FuncSpec for colony "test" (no exec deadline unless asked)."""
    fields.setdefault("maxexectime", -1)
    conditions = Conditions(colonyname=COLONY, executortype=executortype)
    for key in [k for k in fields if k.startswith("cond_")]:
        setattr(conditions, key.removeprefix("cond_"), fields.pop(key))
    return FuncSpec(funcname=funcname, conditions=conditions, **fields)


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    return parsed


@pytest.fixture
def pyc(server: TestServer) -> Any:
    return Colonies("127.0.0.1", server.port)


@pytest.fixture
async def pyc_colony(pyc: Any, colony: Colony) -> Any:
    """pycolonies client plus the conftest colony "test" with approved "test-executor"."""
    return pyc


async def add_executor(pyc: Any, name: str, executortype: str = "cli") -> str:
    key, executor_id = new_key()
    executor = {
        "executorid": executor_id,
        "executorname": name,
        "executortype": executortype,
        "colonyname": COLONY,
    }
    await sdk(pyc.add_executor, executor, COLONY_KEY)
    await sdk(pyc.approve_executor, COLONY, name, COLONY_KEY)
    return key


# 1. Crypto / envelope ---------------------------------------------------------------------------


def test_pycolonies_crypto_matches_spec_vector() -> None:
    payload = base64.b64encode(json.dumps({"msgtype": "getcoloniesmsg"}).encode()).decode()
    assert payload == "eyJtc2d0eXBlIjogImdldGNvbG9uaWVzbXNnIn0="
    assert sign(payload, SERVER_KEY) == (
        "82a2287f7fa7aad2f7a476c2b91743d67792c4f1f580f7cad92ecc6c3504bc6f"
        "2f542e984ed0d7d8b5a90a6fc1a381bb18e29dceabb6e97600395d37706732af01"
    )
    assert Crypto().id(SERVER_KEY) == SERVER_ID


async def test_list_colonies_requires_server_owner(pyc_colony: Any, server: TestServer) -> None:
    colonies = await sdk(pyc_colony.list_colonies, SERVER_KEY)
    assert colonies == [{"colonyid": Crypto().id(COLONY_KEY), "name": COLONY}]
    for key in (EXECUTOR_KEY, COLONY_KEY):
        assert await sdk_error(pyc_colony.list_colonies, key) == "Access denied, not server owner"
    reply = await raw(server, {"msgtype": "getcoloniesmsg"}, EXECUTOR_KEY)
    assert (reply.status, reply.message) == (403, "Access denied, not server owner")
    # An approved executor is a member and may read its colony.
    got = await sdk(pyc_colony.get_colony, COLONY, EXECUTOR_KEY)
    assert got == {"colonyid": Crypto().id(COLONY_KEY), "name": COLONY}


async def test_envelope_signature_rules_and_health(server: TestServer) -> None:
    reply = await raw(server, {"msgtype": "getcoloniesmsg"}, signature="")
    assert (reply.status, reply.message) == (403, "Invalid signature length")
    assert reply.envelope["payloadtype"] == "error" and reply.envelope["error"] is True
    # A valid server signature over a different payload recovers some other id.
    other = base64.b64encode(b'{"msgtype": "versionmsg"}').decode()
    reply = await raw(server, {"msgtype": "getcoloniesmsg"}, signature=sign(other, SERVER_KEY))
    assert (reply.status, reply.message) == (403, "Access denied, not server owner")
    reply = await raw(server, {"msgtype": "versionmsg", "buildversion": "", "buildtime": ""}, "")
    assert reply.status == 200 and reply.envelope["payloadtype"] == "versionmsg"
    assert reply.envelope["error"] is False
    assert reply.payload["msgtype"] == "versionmsg"
    assert isinstance(reply.payload["buildversion"], str)
    assert isinstance(reply.payload["buildtime"], str)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}/health") as r,
    ):
        assert r.status == 200
        assert await r.read() == b""


# 2. Colony lifecycle ----------------------------------------------------------------------------


async def test_colony_lifecycle(pyc: Any, server: TestServer) -> None:
    colony_key, colony_id = new_key()
    added = await sdk(pyc.add_colony, {"colonyid": colony_id, "name": "pyc"}, SERVER_KEY)
    assert added == {"colonyid": colony_id, "name": "pyc"}
    dup = {"colonyid": new_key()[1], "name": "pyc"}
    assert await sdk_error(pyc.add_colony, dup, SERVER_KEY) == (
        "A Colony with name <pyc> already exists"
    )
    assert await sdk_error(pyc.add_colony, {"colonyid": "abc", "name": "c2"}, SERVER_KEY) == (
        "Failed to add colony, invalid colony Id length"
    )
    assert await sdk_error(pyc.add_colony, {"colonyid": colony_id, "name": "c3"}, colony_key) == (
        "Access denied, not server owner"
    )
    # The colony owner is not a member of its own colony.
    assert await sdk_error(pyc.get_colony, "pyc", colony_key) == (
        "Access denied, not a member of Colony with name <pyc>"
    )
    reply = await raw(server, {"msgtype": "getcolonymsg", "colonyname": "pyc"}, colony_key)
    assert reply.status == 403
    assert await sdk(pyc.list_colonies, SERVER_KEY) == [added]
    assert await sdk_error(pyc.del_colony, "pyc", colony_key) == "Access denied, not server owner"
    assert await sdk(pyc.del_colony, "pyc", SERVER_KEY) == {}
    assert not await sdk(pyc.list_colonies, SERVER_KEY)  # null or []
    assert await sdk_error(pyc.del_colony, "pyc", SERVER_KEY) == "Colony with name <pyc> not found"


# 3. Executor registration -----------------------------------------------------------------------


async def test_executor_registration(pyc: Any, server: TestServer) -> None:
    colony_key, colony_id = new_key()
    await sdk(pyc.add_colony, {"colonyid": colony_id, "name": "reg"}, SERVER_KEY)
    key, executor_id = new_key()
    executor = {
        "executorid": executor_id,
        "executorname": "pyc-exec",
        "executortype": "cli",
        "colonyname": "reg",
    }
    assert await sdk_error(pyc.add_executor, executor, key) == "Access denied, not colony owner"
    before = utc_now()
    added = await sdk(pyc.add_executor, executor, colony_key)
    assert added["state"] == 0 and added["executorid"] == executor_id
    assert (added["executorname"], added["executortype"], added["colonyname"]) == (
        "pyc-exec",
        "cli",
        "reg",
    )
    commissioned = parse_time(added["commissiontime"])
    assert before - timedelta(seconds=1) <= commissioned <= utc_now() + timedelta(seconds=1)

    pending_spec = FuncSpec(
        funcname="f", maxexectime=-1, conditions=Conditions(colonyname="reg", executortype="cli")
    )
    denied = "Access denied, not a member of Colony with name <reg>"
    assert await sdk_error(pyc.submit_func_spec, pending_spec, key) == denied
    reply = await raw(
        server,
        {"msgtype": "submitfuncspecmsg", "spec": pending_spec.model_dump(by_alias=True)},
        key,
    )
    assert (reply.status, reply.message) == (403, denied)

    assert await sdk(pyc.approve_executor, "reg", "pyc-exec", colony_key) == {}
    executors = await sdk(pyc.list_executors, "reg", key)
    assert len(executors) == 1 and executors[0]["state"] == 1
    got = await sdk(pyc.get_executor, "reg", "pyc-exec", key)
    assert got["executorid"] == executor_id and got["state"] == 1
    process = await sdk(pyc.submit_func_spec, pending_spec, key)
    assert process.state == 0 and process.initiatorname == "pyc-exec"

    assert await sdk_error(pyc.add_executor, executor, colony_key) == (
        "Executor with name <pyc-exec> in Colony <reg> already exists"
    )
    renamed_id = dict(executor, executorid=new_key()[1])
    assert await sdk_error(pyc.add_executor, renamed_id, colony_key) == (
        "Executor with name <pyc-exec> in Colony <reg> already exists"
    )

    await sdk(pyc.reject_executor, "reg", "pyc-exec", colony_key)
    assert await sdk_error(pyc.submit_func_spec, pending_spec, key) == denied


# 4. Submit -> assign -> close -------------------------------------------------------------------


async def test_submit_assign_set_output_close(pyc_colony: Any) -> None:
    pyc = pyc_colony
    executor_id = Crypto().id(EXECUTOR_KEY)
    submitted = await sdk(
        pyc.submit_func_spec,
        spec("test_func", args=["a", 1], maxretries=3, env={"test_key": "test_value2"}),
        EXECUTOR_KEY,
    )
    assert isinstance(submitted, Process)
    assert submitted.state == Colonies.WAITING and not submitted.isassigned
    assert submitted.assignedexecutorid == ""
    assert (submitted.initiatorid, submitted.initiatorname) == (executor_id, EXECUTOR)
    assert submitted.spec.env == {"test_key": "test_value2"}
    assert submitted.spec.args == ["a", 1] and submitted.spec.funcname == "test_func"
    assert submitted.spec.maxretries == 3 and submitted.retries == 0
    assert HEX64.match(submitted.processid)
    attrs = [(a.attributetype, a.key, a.value) for a in submitted.attributes or []]
    assert attrs == [(3, "test_key", "test_value2")]
    assert submitted.input == [] and submitted.output == [] and submitted.errors == []

    assigned = await sdk(pyc.assign, COLONY, 10, EXECUTOR_KEY)
    assert assigned.processid == submitted.processid
    assert assigned.state == Colonies.RUNNING and assigned.isassigned
    assert assigned.assignedexecutorid == executor_id
    assert assigned.starttime >= assigned.submissiontime

    assert (
        await sdk(pyc.set_output, submitted.processid, ["output1", "output2"], EXECUTOR_KEY) == {}
    )
    assert await sdk(pyc.close, submitted.processid, [], EXECUTOR_KEY) == {}
    done = await sdk(pyc.get_process, submitted.processid, EXECUTOR_KEY)
    assert done.state == Colonies.SUCCESSFUL
    assert done.output == ["output1", "output2"]
    assert done.endtime >= done.starttime >= done.submissiontime
    assert await sdk_error(pyc.set_output, submitted.processid, ["late"], EXECUTOR_KEY) == (
        "Failed to set output, process is not running"
    )
    # A non-empty close output replaces what set_output stored.
    p = await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)
    await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    await sdk(pyc.set_output, p.processid, ["first"], EXECUTOR_KEY)
    await sdk(pyc.close, p.processid, ["final", 2, 3.5], EXECUTOR_KEY)
    done = await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)
    assert done.state == Colonies.SUCCESSFUL and done.output == ["final", 2, 3.5]


async def test_func_spec_helper_round_trip(pyc_colony: Any) -> None:
    fs = func_spec("helper", ["x"], COLONY, "cli", kwargs={"k": "v"}, maxretries=2, maxwaittime=-1)
    p = await sdk(pyc_colony.submit_func_spec, fs, EXECUTOR_KEY)
    assert (p.spec.nodename, p.spec.funcname, p.spec.args) == ("helper", "helper", ["x"])
    assert p.spec.kwargs == {"k": "v"} and p.spec.priority == 1
    assert (p.spec.maxexectime, p.spec.maxretries, p.spec.maxwaittime) == (-1, 2, -1)


# 5. Long-poll -----------------------------------------------------------------------------------


async def test_assign_long_poll_times_out(pyc_colony: Any) -> None:
    started = time.monotonic()
    assert await sdk_error(pyc_colony.assign, COLONY, 2, EXECUTOR_KEY) == NO_PROCESS
    assert 1.8 <= time.monotonic() - started < 4


async def test_assign_timeout_zero_and_negative(pyc_colony: Any, server: TestServer) -> None:
    assert await sdk_error(pyc_colony.assign, COLONY, 0, EXECUTOR_KEY) == (
        "Invalid timeout value, timeout cannot be zero"
    )
    msg = {"msgtype": "assignprocessmsg", "colonyname": COLONY, "timeout": 0}
    assert (await raw(server, msg, EXECUTOR_KEY)).status == 400
    started = time.monotonic()
    reply = await raw(server, dict(msg, timeout=-1), EXECUTOR_KEY)
    assert (reply.status, reply.message) == (404, NO_PROCESS)
    assert await sdk_error(pyc_colony.assign, COLONY, -1, EXECUTOR_KEY) == NO_PROCESS
    assert time.monotonic() - started < 1


async def test_assign_long_poll_wakes_on_submit(pyc_colony: Any) -> None:
    pyc = pyc_colony
    waiting = asyncio.ensure_future(sdk(pyc.assign, COLONY, 10, EXECUTOR_KEY))
    await asyncio.sleep(1)
    assert not waiting.done()
    submitted_at = time.monotonic()
    p = await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)
    assigned = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - submitted_at < 1.5
    assert assigned.processid == p.processid and assigned.state == Colonies.RUNNING


# 6. State lists & stats -------------------------------------------------------------------------


async def test_state_lists_and_stats(pyc_colony: Any) -> None:
    pyc = pyc_colony
    pids = [(await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)).processid for _ in range(4)]
    assigned = [(await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)).processid for _ in range(3)]
    assert assigned == pids[:3]
    await sdk(pyc.close, pids[0], ["ok"], EXECUTOR_KEY)
    await sdk(pyc.fail, pids[1], ["boom"], EXECUTOR_KEY)
    by_state = {}
    for state in (Colonies.WAITING, Colonies.RUNNING, Colonies.SUCCESSFUL, Colonies.FAILED):
        listed = await sdk(pyc.list_processes, COLONY, 10, state, EXECUTOR_KEY)
        assert len(listed) == 1
        process = Process(**listed[0])
        assert process.state == state
        by_state[state] = process
    assert [by_state[s].processid for s in range(4)] == [pids[3], pids[2], pids[0], pids[1]]
    assert by_state[Colonies.FAILED].errors == ["boom"]
    assert by_state[Colonies.SUCCESSFUL].output == ["ok"]
    stats = await sdk(pyc.stats, COLONY, EXECUTOR_KEY)
    assert (
        stats["waitingprocesses"],
        stats["runningprocesses"],
        stats["successfulprocesses"],
        stats["failedprocesses"],
        stats["cancelledprocesses"],
    ) == (1, 1, 1, 1, 0)
    assert (stats["colonies"], stats["executors"], stats["activeexecutors"]) == (1, 1, 1)
    assert not await sdk(pyc.list_processes, COLONY, 10, 4, EXECUTOR_KEY)  # none cancelled


# 7. Failure rules -------------------------------------------------------------------------------


async def test_close_by_other_executor_is_forbidden(pyc_colony: Any, server: TestServer) -> None:
    pyc = pyc_colony
    other = await add_executor(pyc, "other")
    p = await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)
    assert await sdk_error(pyc.close, p.processid, [], EXECUTOR_KEY) == (
        "Failed to close process as successful, process is not assigned"
    )
    await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    message = await sdk_error(pyc.close, p.processid, [], other)
    assert message.endswith("not allowed to close process as successful")
    reply = await raw(
        server, {"msgtype": "closesuccessfulmsg", "processid": p.processid, "out": []}, other
    )
    assert (reply.status, reply.message) == (403, message)
    reply = await raw(
        server, {"msgtype": "closefailedmsg", "processid": p.processid, "errors": []}, other
    )
    assert reply.status == 403
    assert (await sdk(pyc.get_process, p.processid, other)).state == Colonies.RUNNING


async def test_fail_rules(pyc_colony: Any, server: TestServer) -> None:
    pyc = pyc_colony
    p = await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)
    await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    await sdk(pyc.close, p.processid, [], EXECUTOR_KEY)
    msg = {"msgtype": "closefailedmsg", "processid": p.processid, "errors": ["x"]}
    assert await sdk_error(pyc.fail, p.processid, ["x"], EXECUTOR_KEY) == (
        "Tried to set successful process as failed"
    )
    assert (await raw(server, msg, EXECUTOR_KEY)).status == 400
    # Closing an already successful process again succeeds, as in the reference.
    assert await sdk(pyc.close, p.processid, [], EXECUTOR_KEY) == {}

    q = await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)
    await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    assert await sdk(pyc.fail, q.processid, None, EXECUTOR_KEY) == {}
    failed = await sdk(pyc.get_process, q.processid, EXECUTOR_KEY)  # errors must not be null
    assert failed.state == Colonies.FAILED and failed.errors == []
    assert await sdk_error(pyc.close, q.processid, [], EXECUTOR_KEY) == (
        "Tried to set failed process as successful"
    )
    assert await sdk_error(pyc.fail, q.processid, ["again"], EXECUTOR_KEY) == (
        "Tried to set failed process as failed"
    )


async def test_list_processes_validation_and_unknown_process(
    pyc_colony: Any, server: TestServer
) -> None:
    for count, state, message in (
        (101, 0, "Count is larger than MaxCount limit <100>"),
        (10, -1, "Failed to get processes, invalid msg.State"),
        (10, 5, "Failed to get processes, invalid msg.State"),
    ):
        assert await sdk_error(pyc_colony.list_processes, COLONY, count, state, EXECUTOR_KEY) == (
            message
        )
        msg = {"msgtype": "getprocessesmsg", "colonyname": COLONY, "count": count, "state": state}
        assert (await raw(server, msg, EXECUTOR_KEY)).status == 400
    assert await sdk(pyc_colony.list_processes, COLONY, 100, 0, EXECUTOR_KEY) in (None, [])
    missing = "0" * 64
    message = await sdk_error(pyc_colony.get_process, missing, EXECUTOR_KEY)
    reply = await raw(server, {"msgtype": "getprocessmsg", "processid": missing}, EXECUTOR_KEY)
    assert (reply.status, reply.message) == (404, message)


# 8. maxexectime / maxretries / maxwaittime ------------------------------------------------------


async def test_maxexectime_retries_then_fails(pyc_colony: Any, db: Database) -> None:
    pyc = pyc_colony
    p = await sdk(pyc.submit_func_spec, spec(maxexectime=3, maxretries=1), EXECUTOR_KEY)
    assigned = await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    assert assigned.execdeadline - assigned.starttime == timedelta(seconds=3)
    now = utc_now()
    await background.expire_deadlines(db, now + timedelta(seconds=2))
    assert (await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)).state == Colonies.RUNNING
    await background.expire_deadlines(db, now + timedelta(seconds=5))
    retried = await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)
    assert (retried.state, retried.retries, retried.isassigned) == (Colonies.WAITING, 1, False)
    assert retried.assignedexecutorid == "" and retried.errors == []

    again = await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    assert again.processid == p.processid and again.retries == 1
    await background.expire_deadlines(db, utc_now() + timedelta(seconds=5))
    failed = await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)
    assert failed.state == Colonies.FAILED
    assert failed.errors == ["Maximum execution time limit exceeded"]
    assert await sdk_error(pyc.close, p.processid, [], EXECUTOR_KEY) == (
        "Tried to set failed process as successful"
    )


async def test_maxwaittime_fails_unassigned_process(pyc_colony: Any, db: Database) -> None:
    pyc = pyc_colony
    p = await sdk(pyc.submit_func_spec, spec(executortype="nobody", maxwaittime=2), EXECUTOR_KEY)
    assert p.waitdeadline - p.submissiontime == timedelta(seconds=2)
    keep = await sdk(pyc.submit_func_spec, spec(executortype="nobody"), EXECUTOR_KEY)
    await background.expire_deadlines(db, utc_now() + timedelta(seconds=1))
    assert (await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)).state == Colonies.WAITING
    await background.expire_deadlines(db, utc_now() + timedelta(seconds=3))
    failed = await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)
    assert failed.state == Colonies.FAILED
    assert failed.errors == ["Maximum waiting time limit exceeded"]
    assert (await sdk(pyc.get_process, keep.processid, EXECUTOR_KEY)).state == Colonies.WAITING


async def test_funcspec_default_maxexectime_zero_expires_after_assign(
    pyc_colony: Any, db: Database
) -> None:
    # pycolonies' FuncSpec defaults maxexectime=0 and maxretries=0; the reference then fails
    # the process at the first deadline scan after assignment.
    pyc = pyc_colony
    default = FuncSpec(funcname="f", conditions=Conditions(colonyname=COLONY, executortype="cli"))
    p = await sdk(pyc.submit_func_spec, default, EXECUTOR_KEY)
    assert (p.spec.maxexectime, p.spec.maxretries) == (0, 0)
    await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    await background.expire_deadlines(db, utc_now() + timedelta(seconds=1))
    failed = await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)
    assert (failed.state, failed.errors) == (
        Colonies.FAILED,
        ["Maximum execution time limit exceeded"],
    )


# 9. Priority & targeting ------------------------------------------------------------------------


async def test_priority_order(pyc_colony: Any) -> None:
    pyc = pyc_colony
    ids = {}
    for priority in (0, 10, -10):
        fs = func_spec(f"p{priority}", [], COLONY, "cli", priority=priority)
        ids[priority] = (await sdk(pyc.submit_func_spec, fs, EXECUTOR_KEY)).processid
    order = []
    for _ in range(3):
        assigned = await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
        order.append(assigned.processid)
        await sdk(pyc.close, assigned.processid, [], EXECUTOR_KEY)
    assert order == [ids[10], ids[0], ids[-10]]


async def test_executornames_and_executortype_targeting(pyc_colony: Any) -> None:
    pyc = pyc_colony
    fs = func_spec("targeted", [], COLONY, "cli", executorname="other")
    p = await sdk(pyc.submit_func_spec, fs, EXECUTOR_KEY)
    assert p.spec.conditions.executornames == ["other"]
    assert await sdk_error(pyc.assign, COLONY, -1, EXECUTOR_KEY) == NO_PROCESS
    other = await add_executor(pyc, "other")
    assert await sdk_error(pyc.assign, COLONY, -1, EXECUTOR_KEY) == NO_PROCESS
    got = await sdk(pyc.assign, COLONY, -1, other)
    assert got.processid == p.processid and got.assignedexecutorid == Crypto().id(other)
    # executortype must match as well
    p = await sdk(pyc.submit_func_spec, spec(executortype="gpu"), EXECUTOR_KEY)
    assert await sdk_error(pyc.assign, COLONY, -1, EXECUTOR_KEY) == NO_PROCESS
    gpu = await add_executor(pyc, "gpu-box", executortype="gpu")
    assert (await sdk(pyc.assign, COLONY, -1, gpu)).processid == p.processid


async def test_available_cpu_limits_assignment(pyc_colony: Any, server: TestServer) -> None:
    # pycolonies' assign() cannot send availablecpu; the message is built the same way by hand.
    p = await sdk(pyc_colony.submit_func_spec, spec(cond_cpu="1000m", cond_mem="1Gi"), EXECUTOR_KEY)
    assert (p.spec.conditions.cpu, p.spec.conditions.mem) == ("1000m", "1024Mi")
    msg = {"msgtype": "assignprocessmsg", "colonyname": COLONY, "timeout": -1}
    reply = await raw(server, dict(msg, availablecpu="500m", availablemem="2Gi"), EXECUTOR_KEY)
    assert (reply.status, reply.message) == (404, NO_PROCESS)
    reply = await raw(server, dict(msg, availablecpu="2000m", availablemem="2Gi"), EXECUTOR_KEY)
    assert reply.status == 200
    assigned = Process(**reply.payload)
    assert assigned.processid == p.processid and assigned.state == Colonies.RUNNING


# 12. Attributes & logs --------------------------------------------------------------------------


async def test_attributes(pyc_colony: Any, server: TestServer) -> None:
    pyc = pyc_colony
    p = await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)
    assert await sdk_error(pyc.add_attribute, p.processid, "k", "v", EXECUTOR_KEY) == (
        "Failed to add attribute, process is not assigned"
    )
    await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    attribute = await sdk(pyc.add_attribute, p.processid, "test_key", "test_value", EXECUTOR_KEY)
    assert HEX64.match(attribute["attributeid"])
    assert (attribute["targetid"], attribute["key"], attribute["value"]) == (
        p.processid,
        "test_key",
        "test_value",
    )
    assert attribute["attributetype"] == 1
    assert await sdk_error(pyc.add_attribute, p.processid, "test_key", "x", EXECUTOR_KEY)
    dup = {"targetid": p.processid, "key": "test_key", "value": "x", "attributetype": 1}
    assert (
        await raw(server, {"msgtype": "addattributemsg", "attribute": dup}, EXECUTOR_KEY)
    ).status == 400
    got = await sdk(pyc.get_attribute, attribute["attributeid"], EXECUTOR_KEY)
    assert (got["attributeid"], got["key"], got["value"]) == (
        attribute["attributeid"],
        "test_key",
        "test_value",
    )
    process = await sdk(pyc.get_process, p.processid, EXECUTOR_KEY)
    attrs = {(a.key, a.value, a.attributetype) for a in process.attributes or []}
    assert attrs == {("test_key", "test_value", 1)}
    assert await sdk_error(pyc.get_attribute, "nope", EXECUTOR_KEY) == "Attribute does not exists"


async def test_logs(pyc_colony: Any) -> None:
    pyc = pyc_colony
    p = await sdk(pyc.submit_func_spec, spec(), EXECUTOR_KEY)
    await sdk(pyc.assign, COLONY, -1, EXECUTOR_KEY)
    assert await sdk(pyc.add_log, p.processid, "test_log_msg", EXECUTOR_KEY) == {}
    by_process = await sdk(pyc.get_process_log, COLONY, p.processid, 100, -1, EXECUTOR_KEY)
    by_executor = await sdk(pyc.get_executor_log, COLONY, EXECUTOR, 100, -1, EXECUTOR_KEY)
    for logs in (by_process, by_executor):
        assert len(logs) == 1
        entry = logs[0]
        assert entry["message"] == "test_log_msg"
        assert (entry["processid"], entry["colonyname"], entry["executorname"]) == (
            p.processid,
            COLONY,
            EXECUTOR,
        )
        assert isinstance(entry["timestamp"], int) and entry["timestamp"] > 0
    await sdk(pyc.add_log, p.processid, "second", EXECUTOR_KEY)
    logs = await sdk(pyc.get_process_log, COLONY, p.processid, 100, -1, EXECUTOR_KEY)
    assert [entry["message"] for entry in logs] == ["test_log_msg", "second"]
    since = await sdk(
        pyc.get_process_log, COLONY, p.processid, 100, logs[0]["timestamp"], EXECUTOR_KEY
    )
    assert [entry["message"] for entry in since] == ["second"]
    await sdk(pyc.close, p.processid, [], EXECUTOR_KEY)
    assert await sdk_error(pyc.add_log, p.processid, "after close", EXECUTOR_KEY) == (
        "Failed to set output, process is not running"
    )


# 19. Blueprints ---------------------------------------------------------------------------------


async def test_blueprints_with_every_pycolonies_method(pyc_colony: Any) -> None:
    """pycolonies' blueprint_test flow, with a handler, so all twelve methods are exercised."""
    pyc = pyc_colony
    handler = {"executorType": "reconciler", "functionName": "reconcile"}
    definition = {
        "kind": "Light",
        "metadata": {"name": "lights", "colonyname": COLONY},
        "spec": {"names": {"kind": "Light"}, "handler": handler},
    }
    added = await sdk(pyc.add_blueprint_definition, definition, COLONY_KEY)
    assert added["spec"]["handler"] == handler and HEX64.match(added["blueprintdefinitionid"])
    got = await sdk(pyc.get_blueprint_definition, COLONY, "lights", COLONY_KEY)
    assert got == added
    assert await sdk(pyc.get_blueprint_definitions, COLONY, EXECUTOR_KEY) == [added]

    blueprint: dict[str, Any] = {
        "kind": "Light",
        "metadata": {"name": "lamp", "colonyname": COLONY, "locationname": "lab"},
        "handler": {"executortype": "test-reconciler"},
        "spec": {"deviceType": "light", "power": False, "brightness": 0},
    }
    bp = await sdk(pyc.add_blueprint, blueprint, EXECUTOR_KEY)
    assert bp["spec"] == blueprint["spec"] and HEX64.match(bp["blueprintid"])
    assert await sdk(pyc.get_blueprint, COLONY, "lamp", EXECUTOR_KEY) == bp
    assert await sdk(pyc.get_blueprints, COLONY, EXECUTOR_KEY) == [bp]
    assert await sdk(pyc.get_blueprints, COLONY, EXECUTOR_KEY, "Light", "lab") == [bp]
    assert await sdk(pyc.get_blueprints, COLONY, EXECUTOR_KEY, "Other") == []

    blueprint["spec"]["power"] = True
    updated = await sdk(pyc.update_blueprint, blueprint, EXECUTOR_KEY)
    assert updated["spec"]["power"] is True and updated["metadata"]["generation"] == 1
    forced = await sdk(pyc.update_blueprint, blueprint, EXECUTOR_KEY, True)
    assert forced["metadata"]["generation"] == 2
    status = {"power": True, "lastSeen": "2024-01-01T12:00:00Z"}
    assert await sdk(pyc.update_blueprint_status, COLONY, "lamp", status, EXECUTOR_KEY) == {}
    assert (await sdk(pyc.get_blueprint, COLONY, "lamp", EXECUTOR_KEY))["status"] == status

    plain = await sdk(pyc.reconcile_blueprint, COLONY, "lamp", EXECUTOR_KEY)
    assert Process(**plain).spec.kwargs == {"kind": "Light", "blueprintName": "lamp"}
    # pycolonies' Process model takes only string kwargs, so the forced one stays a dict
    # (the reference's reply carries the same boolean).
    process = await sdk(pyc.reconcile_blueprint, COLONY, "lamp", EXECUTOR_KEY, True)
    assert process["spec"]["funcname"] == "reconcile" and process["state"] == 0
    assert process["spec"]["kwargs"] == {"kind": "Light", "blueprintName": "lamp", "force": True}
    assert process["spec"]["conditions"]["executortype"] == "reconciler"

    history = await sdk(pyc.get_blueprint_history, bp["blueprintid"], EXECUTOR_KEY)
    assert [h["changetype"] for h in history] == ["update", "update", "create"]
    assert len(await sdk(pyc.get_blueprint_history, bp["blueprintid"], EXECUTOR_KEY, 1)) == 1

    assert await sdk_error(pyc.remove_blueprint_definition, COLONY, "lights", COLONY_KEY) == (
        "cannot remove BlueprintDefinition 'lights': 1 blueprint(s) of kind 'Light' still exist"
    )
    assert await sdk(pyc.remove_blueprint, COLONY, "lamp", EXECUTOR_KEY) == {}
    assert await sdk_error(pyc.get_blueprint, COLONY, "lamp", EXECUTOR_KEY) == (
        "Blueprint not found"
    )
    assert await sdk(pyc.remove_blueprint_definition, COLONY, "lights", COLONY_KEY) == {}
    assert await sdk(pyc.get_blueprint_definitions, COLONY, COLONY_KEY) == []
    assert await sdk_error(pyc.get_blueprint_definition, COLONY, "lights", COLONY_KEY) == (
        "Blueprint definition not found"
    )
