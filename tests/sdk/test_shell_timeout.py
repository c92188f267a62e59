"""The shell executor says which limit stopped a command, not a bare TimeoutError."""

from __future__ import annotations

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from colonies.executor_sdk import shell_executor
from tests.conftest import Colony
from tests.sdk.util import SUBMITTER, attach, get, make_spec

T = "shell-timeout"


async def test_a_command_over_its_maxexectime_is_stopped_and_says_so(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(shell_executor(T), client)
    spec = make_spec("sleep", "30", executor_type=T)
    spec.max_exec_time = 1  # the server's own deadline check does not run in tests
    process = await client.submit(spec, key=SUBMITTER)
    await ex.run(burst=True)
    failed = await get(client, process)
    assert failed.state == ProcessState.FAILED
    assert failed.errors == [
        "sleep timed out: it ran longer than its maxexectime of 1 s and was stopped"
    ]
