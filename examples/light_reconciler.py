"""A blueprint reconciler: makes declared ``Light`` blueprints true and reports their status.

The definition in examples/blueprints/ names executor type ``light-reconciler`` and function
``reconcile``; the server submits ``reconcile`` when a blueprint is added or changed (kwargs
``kind`` and ``blueprintName``) and every minute from its reconcile cron (``kind`` only), and
``cleanup`` when one is removed. With the environment `colonies dev` prints:

    colonies blueprint definition add --spec examples/blueprints/light-definition.json
    python examples/light_reconciler.py &
    colonies blueprint add --spec examples/blueprints/light.json
    colonies blueprint set --name kitchen --key brightness --value 90
    colonies blueprint get --name kitchen        # Status: what the light is now
"""

from __future__ import annotations

import sys
from typing import Any

from colonies.executor_sdk import Executor, ProcessContext

executor = Executor("light-reconciler")
LIGHTS: dict[str, dict[str, Any]] = {}  # the "hardware": blueprint name -> current setting


async def blueprint_names(ctx: ProcessContext, kind: str, name: str) -> list[str]:
    if name:
        return [name]
    found = await ctx.client.get_blueprints(kind=kind, colony=ctx.colony_name, key=ctx.key)
    return [b.metadata.name for b in found]


@executor.function("reconcile")
async def reconcile(
    ctx: ProcessContext, kind: str, blueprintName: str = "", force: bool = False
) -> int:
    """Bring each named light (or every light of the kind) to its spec; returns how many."""
    names = await blueprint_names(ctx, kind, blueprintName)
    for name in names:
        blueprint = await ctx.client.get_blueprint(name, colony=ctx.colony_name, key=ctx.key)
        desired = dict(blueprint.spec)
        if force or LIGHTS.get(name) != desired:
            LIGHTS[name] = desired
            await ctx.log(f"{name}: set to {desired}")
        status = {"applied": desired, "generation": blueprint.metadata.generation}
        await ctx.client.update_blueprint_status(name, status, colony=ctx.colony_name, key=ctx.key)
    return len(names)


@executor.function("cleanup")
async def cleanup(ctx: ProcessContext, kind: str, blueprintName: str) -> str:
    LIGHTS.pop(blueprintName, None)
    await ctx.log(f"{blueprintName}: switched off and forgotten")
    return blueprintName


if __name__ == "__main__":
    executor.serve(burst="--burst" in sys.argv)
