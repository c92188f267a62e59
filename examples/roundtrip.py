"""The protocol by hand: register an executor, submit helloworld, assign, close, read back.

No SDK: each step is one signed RPC message (``client.call``), as the reference's docs show.
Run against `make dev` after `source .colonies-dev/env`:

    .venv/bin/python examples/roundtrip.py
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.crypto import id_from_private_key, new_private_key

SPEC = Path(__file__).parent / "functions" / "helloworld.json"


async def roundtrip(
    client: ColoniesClient, colony: str, colony_key: str, user_key: str
) -> dict[str, Any]:
    """Run examples/functions/helloworld.json once; returns the finished process (wire JSON)."""
    executor_key = new_private_key()
    executor = {
        "executorid": id_from_private_key(executor_key),
        "executorname": "helloworld-" + executor_key[:8],
        "executortype": "helloworld-executor",
        "colonyname": colony,
    }
    await client.call("addexecutormsg", {"executor": executor}, key=colony_key)
    named = {"colonyname": colony, "executorname": executor["executorname"]}
    await client.call("approveexecutormsg", named, key=colony_key)
    try:
        spec = json.loads(SPEC.read_text())
        spec["conditions"]["colonyname"] = colony
        submitted = await client.call("submitfuncspecmsg", {"spec": spec}, key=user_key)
        print("submitted", submitted["processid"])

        assign = {"colonyname": colony, "timeout": 10}
        process = await client.call("assignprocessmsg", assign, key=executor_key)
        print("assigned to", executor["executorname"], "function", process["spec"]["funcname"])
        close = {"processid": process["processid"], "out": ["Hello, World!"]}
        await client.call("closesuccessfulmsg", close, key=executor_key)

        get = {"processid": process["processid"]}
        done: dict[str, Any] = await client.call("getprocessmsg", get, key=user_key)
        print("state", done["state"], "output", done["out"])
        return done
    finally:
        await client.call("removeexecutormsg", named, key=colony_key)


async def main() -> None:
    s = ClientSettings.from_env()
    async with ColoniesClient.from_env(s) as client:
        await roundtrip(client, s.colony_name, s.colony_prvkey, s.prvkey)


if __name__ == "__main__":
    asyncio.run(main())
