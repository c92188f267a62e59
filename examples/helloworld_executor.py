"""Hello world executor: serves funcname ``helloworld`` for type ``helloworld-executor``.

With the environment `colonies dev` prints (it registers itself with COLONIES_COLONY_PRVKEY):

    python examples/helloworld_executor.py &
    colonies function submit --spec examples/functions/helloworld.json --wait
"""

from __future__ import annotations

import sys

from colonies.executor_sdk import Executor

executor = Executor("helloworld-executor")


@executor.function("helloworld")
def helloworld() -> str:
    return "Hello, World!"


if __name__ == "__main__":
    executor.serve(burst="--burst" in sys.argv)
