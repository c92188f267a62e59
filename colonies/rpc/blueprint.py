"""Blueprint messages (PROTOCOL §7.15). Blueprint requests name the colony ``namespace``;
definition requests (but one) and the status update call it ``colonyname``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from colonies.core._wire import Bool, Int
from colonies.core.blueprint import Blueprint, BlueprintDefinition
from colonies.rpc.base import Msg


class AddBlueprintDefinitionMsg(
    Msg,
    payload_type="addblueprintdefinitionmsg",
    action="add blueprint definition",
    changes=True,
    target="blueprint_definition.metadata.name",
    colony="blueprint_definition.metadata.colony_name",
):
    blueprint_definition: BlueprintDefinition | None = None


class GetBlueprintDefinitionMsg(
    Msg, payload_type="getblueprintdefinitionmsg", action="get blueprint definition"
):
    colony_name: str = ""
    name: str = ""


class GetBlueprintDefinitionsMsg(
    Msg, payload_type="getblueprintdefinitionsmsg", action="get blueprint definitions"
):
    colony_name: str = ""


class RemoveBlueprintDefinitionMsg(
    Msg,
    payload_type="removeblueprintdefinitionmsg",
    action="remove blueprint definition",
    changes=True,
):
    namespace: str = ""
    name: str = ""


class AddBlueprintMsg(
    Msg,
    payload_type="addblueprintmsg",
    action="add blueprint",
    changes=True,
    target="blueprint.metadata.name",
    colony="blueprint.metadata.colony_name",
):
    blueprint: Blueprint | None = None


class GetBlueprintMsg(Msg, payload_type="getblueprintmsg", action="get blueprint"):
    namespace: str = ""
    name: str = ""


class GetBlueprintsMsg(Msg, payload_type="getblueprintsmsg", action="get blueprints"):
    namespace: str = ""
    kind: str = ""
    location_name: str = ""


class UpdateBlueprintMsg(
    Msg,
    payload_type="updateblueprintmsg",
    action="update blueprint",
    changes=True,
    target="blueprint.metadata.name",
    colony="blueprint.metadata.colony_name",
):
    blueprint: Blueprint | None = None
    force_generation: Bool = False


class RemoveBlueprintMsg(
    Msg, payload_type="removeblueprintmsg", action="remove blueprint", changes=True
):
    namespace: str = ""
    name: str = ""


class GetBlueprintHistoryMsg(
    Msg, payload_type="getblueprinthistorymsg", action="get blueprint history"
):
    blueprint_id: str = ""
    limit: Int = 0


class UpdateBlueprintStatusMsg(
    Msg, payload_type="updateblueprintstatusmsg", action="update blueprint status", changes=True
):
    colony_name: str = ""
    blueprint_name: str = ""
    status: dict[str, Any] = Field(default_factory=dict)


class ReconcileBlueprintMsg(
    Msg, payload_type="reconcileblueprintmsg", action="reconcile blueprint", changes=True
):
    namespace: str = ""
    name: str = ""
    force: Bool = False
