"""Register an executor, submit examples/helloworld.json, run it, and show the result.

Run against `make dev` after `source .colonies-dev/env`:

    .venv/bin/python examples/roundtrip.py
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import RPCError


async def main() -> None:
    env = os.environ
    colony = env["COLONIES_COLONY_NAME"]
    colony_key = env["COLONIES_COLONY_PRVKEY"]
    user_key = env["COLONIES_PRVKEY"]
    tls = env.get("COLONIES_TLS", "false") == "true"
    async with ColoniesClient.for_server(
        env["COLONIES_SERVER_HOST"], int(env["COLONIES_SERVER_PORT"]), tls
    ) as client:
        executor_key = new_private_key()
        executor = {
            "executorid": id_from_private_key(executor_key),
            "executorname": "helloworld-" + executor_key[:8],
            "executortype": "helloworld-executor",
            "colonyname": colony,
        }
        await client.call("addexecutormsg", {"executor": executor}, colony_key)
        approve = {"colonyname": colony, "executorname": executor["executorname"]}
        await client.call("approveexecutormsg", approve, colony_key)

        spec = json.loads((Path(__file__).parent / "helloworld.json").read_text())
        spec["conditions"]["colonyname"] = colony
        submitted = await client.call("submitfuncspecmsg", {"spec": spec}, user_key)
        print("submitted", submitted["processid"])

        process = await client.call(
            "assignprocessmsg", {"colonyname": colony, "timeout": 10}, executor_key
        )
        print("assigned to", executor["executorname"], "function", process["spec"]["funcname"])
        close = {"processid": process["processid"], "out": ["Hello, World!"]}
        await client.call("closesuccessfulmsg", close, executor_key)

        done = await client.call("getprocessmsg", {"processid": process["processid"]}, user_key)
        print("state", done["state"], "output", done["out"])
        try:
            await client.call("removeexecutormsg", approve, colony_key)
        except RPCError as err:
            print("could not remove the executor:", err.message)


if __name__ == "__main__":
    asyncio.run(main())
