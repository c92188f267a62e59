"""Blueprints (MODEL §15, SEMANTICS §14): desired state of some kind, checked against the
schema of its definition and handed to a reconciler; pure, no I/O.

Unlike every other model, the keys inside ``metadata`` and the definition's ``spec`` are
camelCase (``createdAt``, ``executorType``); they are declared here once.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, model_serializer
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from colonies.core._wire import ZERO_TIME, Int, Time, WireModel
from colonies.core.cron import Cron
from colonies.core.function_spec import Conditions, FunctionSpec
from colonies.core.process_graph import WorkflowSpec

DEFAULT_RECONCILE_INTERVAL = 60
"""Seconds between runs of a kind's reconcile cron when the handler names no interval."""


class BlueprintMetadata(WireModel):
    """Keys the model does not know are kept, so a client's extra metadata round-trips."""

    model_config = ConfigDict(extra="allow")
    OMIT_EMPTY = frozenset(
        {"locationname", "labels", "annotations", "generation", "lastReconciliationProcess"}
    )

    name: str = ""
    colony_name: str = ""
    location_name: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    generation: Int = 0
    created_at: Time = Field(default=ZERO_TIME, alias="createdAt")
    updated_at: Time = Field(default=ZERO_TIME, alias="updatedAt")
    last_reconciliation_process: str = Field(default="", alias="lastReconciliationProcess")
    last_reconciliation_time: Time = Field(default=ZERO_TIME, alias="lastReconciliationTime")


class SchemaProperty(WireModel):
    OMIT_EMPTY = frozenset({"type", "description", "enum", "properties", "items"})

    type: str = ""
    description: str = ""
    enum: list[Any] = Field(default_factory=list)
    default: Any = None
    properties: dict[str, SchemaProperty] = Field(default_factory=dict)
    items: SchemaProperty | None = None

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        for key in self.OMIT_EMPTY:
            if key in data and not data[key]:
                del data[key]
        if data.get("default") is None:  # Go omits a nil interface, not a false or a 0
            data.pop("default", None)
        return data


class ValidationSchema(WireModel):
    OMIT_EMPTY = frozenset({"type", "properties", "required"})

    type: str = ""
    properties: dict[str, SchemaProperty] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)


class BlueprintNames(WireModel):
    OMIT_EMPTY = frozenset({"shortNames"})

    kind: str = ""
    list_kind: str = Field(default="", alias="listKind")
    singular: str = ""
    plural: str = ""
    short_names: list[str] = Field(default_factory=list, alias="shortNames")


class HandlerSpec(WireModel):
    OMIT_EMPTY = frozenset({"reconcileInterval"})

    executor_type: str = Field(default="", alias="executorType")
    function_name: str = Field(default="", alias="functionName")
    reconcile_interval: Int = Field(default=0, alias="reconcileInterval")


class BlueprintDefinitionSpec(WireModel):
    OMIT_EMPTY = frozenset({"schema"})

    group: str = ""
    version: str = ""
    names: BlueprintNames = Field(default_factory=BlueprintNames)
    scope: str = ""
    schema_: ValidationSchema | None = Field(default=None, alias="schema")
    handler: HandlerSpec = Field(default_factory=HandlerSpec)


class BlueprintDefinition(WireModel):
    blueprint_definition_id: str = ""
    kind: str = ""
    metadata: BlueprintMetadata = Field(default_factory=BlueprintMetadata)
    spec: BlueprintDefinitionSpec = Field(default_factory=BlueprintDefinitionSpec)

    @property
    def handles(self) -> bool:
        """Whether a reconciler handles blueprints of this kind."""
        return bool(self.spec.handler.executor_type)


class Blueprint(WireModel):
    OMIT_EMPTY = frozenset({"status"})

    blueprint_id: str = ""
    kind: str = ""
    metadata: BlueprintMetadata = Field(default_factory=BlueprintMetadata)
    spec: dict[str, Any] = Field(default_factory=dict)
    status: dict[str, Any] = Field(default_factory=dict)


class BlueprintHistory(WireModel):
    OMIT_EMPTY = frozenset({"status"})

    history_id: str = ""
    blueprint_id: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""
    generation: Int = 0
    spec: dict[str, Any] = Field(default_factory=dict)
    status: dict[str, Any] = Field(default_factory=dict)
    timestamp: Time = ZERO_TIME
    changed_by: str = ""
    change_type: str = ""


class BlueprintValidationError(ValueError):
    pass


def same_json(a: Any, b: Any) -> bool:
    """JSON equality as Go compares decoded values: 1 == 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _go_value(value: Any) -> str:
    """A value as Go's ``%v`` prints it, for error texts."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    return str(value)


_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        not isinstance(v, bool)
        and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
    ),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _check_value(path: str, value: Any, prop: SchemaProperty) -> None:
    check = _TYPES.get(prop.type)
    if check is not None and not check(value):
        article = "an" if prop.type[0] in "aeiou" else "a"
        raise BlueprintValidationError(f"field '{path}' must be {article} {prop.type}")
    if prop.enum and not any(same_json(value, allowed) for allowed in prop.enum):
        raise BlueprintValidationError(
            f"field '{path}' has invalid value '{_go_value(value)}', "
            f"must be one of {_go_value(prop.enum)}"
        )
    if prop.type == "object" and prop.properties:
        for key, nested in value.items():
            if key in prop.properties:
                _check_value(f"{path}.{key}", nested, prop.properties[key])
    if prop.type == "array" and prop.items is not None:
        for i, item in enumerate(value):
            _check_value(f"{path}[{i}]", item, prop.items)


def validate_spec(spec: dict[str, Any], schema: ValidationSchema) -> None:
    """Check a blueprint's spec against its definition's schema: required keys, then each
    declared property's type, enum and nested properties/items. Undeclared keys pass."""
    for key in schema.required:
        if key not in spec:
            raise BlueprintValidationError(f"required field '{key}' is missing")
    for key, value in spec.items():
        if key in schema.properties:
            _check_value(key, value, schema.properties[key])


def cron_name(kind: str, location_name: str) -> str:
    """The reconcile cron of a kind at a location: ``reconcile-<Kind>[-<location>]``."""
    return f"reconcile-{kind}-{location_name}" if location_name else f"reconcile-{kind}"


def _handler_spec(
    definition: BlueprintDefinition, blueprint: Blueprint, func_name: str, kwargs: dict[str, Any]
) -> FunctionSpec:
    """A process for the kind's handler at the blueprint's location, node ``<type>-<func>``."""
    executor_type = definition.spec.handler.executor_type
    return FunctionSpec(
        node_name=f"{executor_type}-{func_name}",
        func_name=func_name,
        kw_args=kwargs,
        max_exec_time=-1,
        max_retries=-1,
        conditions=Conditions(
            colony_name=blueprint.metadata.colony_name,
            executor_type=executor_type,
            location_name=blueprint.metadata.location_name,
        ),
    )


def reconcile_spec(
    definition: BlueprintDefinition, blueprint: Blueprint, *, force: bool = False
) -> FunctionSpec:
    """The immediate reconciliation of one blueprint."""
    kwargs: dict[str, Any] = {"kind": blueprint.kind, "blueprintName": blueprint.metadata.name}
    if force:
        kwargs["force"] = True
    func_name = definition.spec.handler.function_name or "reconcile"
    return _handler_spec(definition, blueprint, func_name, kwargs)


def cleanup_spec(definition: BlueprintDefinition, blueprint: Blueprint) -> FunctionSpec:
    """What the handler is told when a blueprint is removed."""
    kwargs = {"kind": blueprint.kind, "blueprintName": blueprint.metadata.name}
    return _handler_spec(definition, blueprint, "cleanup", kwargs)


def reconcile_cron(definition: BlueprintDefinition, blueprint: Blueprint) -> Cron:
    """The periodic reconciliation of the blueprint's kind at its location."""
    colony_name = blueprint.metadata.colony_name
    func_name = definition.spec.handler.function_name or "reconcile"
    node = _handler_spec(definition, blueprint, func_name, {"kind": blueprint.kind})
    workflow = WorkflowSpec(colony_name=colony_name, function_specs=[node])
    return Cron(
        name=cron_name(blueprint.kind, blueprint.metadata.location_name),
        colony_name=colony_name,
        interval=definition.spec.handler.reconcile_interval or DEFAULT_RECONCILE_INTERVAL,
        wait_for_prev_process_graph=True,
        workflow_spec=workflow.to_json(),
    )
