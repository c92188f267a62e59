"""Generators (SEMANTICS §11)."""

from __future__ import annotations

from colonies.core import utc_now
from colonies.core.generator import Generator
from colonies.errors import BadRequest, ColoniesError
from colonies.rpc.generator import (
    AddGeneratorMsg,
    GetGeneratorMsg,
    GetGeneratorsMsg,
    PackGeneratorMsg,
    RemoveGeneratorMsg,
    ResolveGeneratorMsg,
)
from colonies.server.auth import require_member
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services import generators

router = RpcRouter()


async def _generator(ctx: Ctx, generator_id: str, action: str) -> Generator:
    """The generator, if the caller is an approved member of its colony (lookup first)."""
    generator = await ctx.db.generators.get(generator_id)
    if generator is None:
        raise ColoniesError(f"Failed to {action}, generator is nil")
    await require_member(ctx, generator.colony_name)
    return generator


@router.handle(AddGeneratorMsg)
async def add_generator(ctx: Ctx, msg: AddGeneratorMsg) -> Generator:
    if msg.generator is None:
        raise BadRequest("Failed to add generator, msg.Generator is nil")
    caller = await require_member(ctx, msg.generator.colony_name)
    return await generators.add(ctx.db, msg.generator, caller)


@router.handle(GetGeneratorMsg)
async def get_generator(ctx: Ctx, msg: GetGeneratorMsg) -> Generator:
    generator = await _generator(ctx, msg.generator_id, "get generator")
    generator.queue_size = await ctx.db.generators.queue_size(generator.generator_id)
    generator.checker_period = ctx.settings.generator_period_ms
    return generator


@router.handle(ResolveGeneratorMsg)
async def resolve_generator(ctx: Ctx, msg: ResolveGeneratorMsg) -> Generator:
    # Membership first (the reference looks up first): a stranger cannot probe names.
    await require_member(ctx, msg.colony_name)
    generator = await ctx.db.generators.by_name(msg.colony_name, msg.generator_name)
    if generator is None:
        raise ColoniesError("Failed to resolve generator, generator is nil")
    return generator


@router.handle(GetGeneratorsMsg)
async def get_generators(ctx: Ctx, msg: GetGeneratorsMsg) -> list[Generator]:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.generators.find(msg.colony_name, msg.count)


@router.handle(PackGeneratorMsg)
async def pack_generator(ctx: Ctx, msg: PackGeneratorMsg) -> None:
    generator = await _generator(ctx, msg.generator_id, "increment generator")
    await ctx.db.generators.pack(generator.generator_id, msg.arg, utc_now())


@router.handle(RemoveGeneratorMsg)
async def remove_generator(ctx: Ctx, msg: RemoveGeneratorMsg) -> None:
    generator = await _generator(ctx, msg.generator_id, "remove generator")
    if not await ctx.db.generators.remove(generator.generator_id):
        raise ColoniesError("Failed to remove generator, generator is nil")
