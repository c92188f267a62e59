"""Generator messages (PROTOCOL §7.11)."""

from __future__ import annotations

from colonies.core._wire import Bool, Int
from colonies.core.generator import Generator
from colonies.rpc.base import Msg

__all__ = [
    "AddGeneratorMsg",
    "GetGeneratorMsg",
    "GetGeneratorsMsg",
    "PackGeneratorMsg",
    "RemoveGeneratorMsg",
    "ResolveGeneratorMsg",
]


class AddGeneratorMsg(
    Msg,
    payload_type="addgeneratormsg",
    action="add generator",
    changes=True,
    target=("reply.generator_id", "generator.name"),
    colony="generator.colony_name",
):
    generator: Generator | None = None


class GetGeneratorMsg(Msg, payload_type="getgeneratormsg", action="get generator"):
    generator_id: str = ""


class ResolveGeneratorMsg(
    Msg, payload_type="resolvegeneratormsg", action="resolve generator", changes=False
):
    colony_name: str = ""
    generator_name: str = ""


class GetGeneratorsMsg(Msg, payload_type="getgeneratorsmsg", action="get generators"):
    colony_name: str = ""
    count: Int = 0


class PackGeneratorMsg(Msg, payload_type="packgeneratormsg", action="inc generator", changes=True):
    generator_id: str = ""
    arg: str = ""


class RemoveGeneratorMsg(
    Msg, payload_type="removegeneratormsg", action="remove generator", changes=True
):
    generator_id: str = ""
    all: Bool = False
