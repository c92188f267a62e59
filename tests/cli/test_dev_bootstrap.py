"""What `colonies dev` sets up in its database before serving."""

from __future__ import annotations

from colonies.cli.dev import bootstrap
from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.core import ExecutorState
from colonies.crypto import id_from_private_key, new_private_key
from tests.conftest import spec


async def test_the_dev_key_is_a_user_and_an_approved_executor_as_in_the_reference(
    settings: Settings, client: ColoniesClient
) -> None:
    dev_key = new_private_key()
    keys = {
        "COLONIES_SERVER_PRVKEY": new_private_key(),
        "COLONIES_COLONY_PRVKEY": new_private_key(),
        "COLONIES_PRVKEY": dev_key,
        "COLONIES_COLONY_NAME": "devtest",
    }
    await bootstrap(settings, keys)
    await bootstrap(settings, keys)  # a restart changes nothing
    users = await client.get_users("devtest", dev_key)
    assert [(u.name, u.user_id) for u in users] == [("dev", id_from_private_key(dev_key))]
    executor = await client.get_executor("devtest", "dev", dev_key)
    assert (executor.executor_type, executor.state) == ("cli", ExecutorState.APPROVED)
    # the reference docs' walkthrough: submit, then `colonies process assign` with the same key
    submitted = await client.call("submitfuncspecmsg", {"spec": spec(colony="devtest")}, dev_key)
    got = await client.call("assignprocessmsg", {"colonyname": "devtest", "timeout": -1}, dev_key)
    assert got["processid"] == submitted["processid"]
    assert got["assignedexecutorid"] == id_from_private_key(dev_key)
