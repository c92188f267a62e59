"""Python executor SDK: serve functions as Colonies processes.

executor = Executor("helloworld-executor")

@executor.function("helloworld")
def helloworld() -> str:
    return "Hello, World!"

executor.serve()  # or: await executor.run(burst=True)
"""

from __future__ import annotations

from colonies.executor_sdk.context import ProcessContext, SyncProcessContext
from colonies.executor_sdk.executor import Executor, Stats
from colonies.executor_sdk.shell import CommandFailed, shell_executor

__all__ = [
    "CommandFailed",
    "Executor",
    "ProcessContext",
    "Stats",
    "SyncProcessContext",
    "shell_executor",
]
