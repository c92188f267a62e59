from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import Field, field_validator

from colonies.core._wire import Bool, Int, WireModel
from colonies.core.executor import Gpu
from colonies.core.units import parse_cpu, parse_memory, render_cpu, render_memory


class Conditions(WireModel):
    OMIT_EMPTY = frozenset({"locationname"})

    colony_name: str = ""
    executor_names: list[str] | None = None
    executor_type: str = ""
    location_name: str = ""
    dependencies: list[str] = Field(default_factory=list)
    nodes: Int = 0
    cpu: str = ""
    processes: Int = 0
    processes_per_node: Int = 0
    mem: str = ""
    storage: str = ""
    gpu: Gpu = Field(default_factory=Gpu)
    walltime: Int = 0


class Filesystem(WireModel):
    mount: str = ""
    snapshots: list[dict[str, Any]] | None = None
    dirs: list[dict[str, Any]] | None = None


class CacheSpec(WireModel):
    """Ours (``cache`` of a spec): reuse the output of an earlier successful run with the same
    inputs (see ``core/caching.py``). ``expiry`` is the most seconds old a reused result may
    be (0: any age); ``refresh`` runs anyway and makes this run the newest result."""

    enabled: Bool = False
    version: str = ""
    expiry: Int = 0
    refresh: Bool = False


class RetryOn(WireModel):
    """Which failures are retried; nothing set means every failure (``"on": "any"``)."""

    any: Bool = False
    exit_codes: list[Int] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    """Substrings of the error texts."""
    timeouts: Bool = False


class Backoff(WireModel):
    """The wait before the next attempt, in seconds: ``delay`` (fixed), or ``delay`` doubled
    per attempt (exponential); at most ``max`` (0: no cap); ``jitter`` spreads it by up to
    that fraction either way."""

    kind: str = ""
    delay: float = 0.0
    max_delay: float = Field(default=0.0, alias="max")
    jitter: float = 0.0


class Escalate(WireModel):
    """More resources per retry: the condition times the factor, never past the limit."""

    mem: float = 0.0
    mem_limit: str = ""
    cpu: float = 0.0
    cpu_limit: str = ""
    preemption_only: Bool = False
    """Escalate only after an out-of-memory kill, a preemption or a node failure."""


class Retry(WireModel):
    """Ours: the retry policy of a spec (``attempts``: the total number of tries)."""

    OMIT_EMPTY = frozenset({"escalate"})

    attempts: Int = 0
    on: RetryOn = Field(default_factory=RetryOn)
    backoff: Backoff = Field(default_factory=Backoff)
    escalate: Escalate | None = None

    @field_validator("on", mode="before")
    @classmethod
    def _on_any(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().lower() != "any":
                raise ValueError('"on" is "any" or an object of exitcodes, errors, timeouts')
            return {"any": True}
        return value


class FunctionSpec(WireModel):
    OMIT_EMPTY = frozenset({"channels", "parameters", "cache", "retry"})

    node_name: str = ""
    func_name: str = ""
    args: list[Any] = Field(default_factory=list)
    kw_args: dict[str, Any] = Field(default_factory=dict, alias="kwargs")
    priority: Int = 0
    max_wait_time: Int = 0
    max_exec_time: Int = 0
    max_retries: Int = 0
    conditions: Conditions = Field(default_factory=Conditions)
    label: str = ""
    fs: Filesystem = Field(default_factory=Filesystem)
    env: dict[str, str] = Field(default_factory=dict)
    channels: list[str] = Field(default_factory=list)
    # --- ours (issue 13, sweeps and caching): optional keys, left out when empty ---
    parameters: dict[str, Any] = Field(default_factory=dict)
    """A sweep: values per name, expanded by the server at workflow submit (core/sweep.py)."""
    cache: CacheSpec | None = None
    # --- end ours ---
    retry: Retry | None = None
    """Ours: retry failed attempts (left out of the wire when unset)."""


class Requirements(NamedTuple):
    """The numeric resource needs of a spec, as assignment compares them."""

    cpu: int = 0
    mem: int = 0
    storage: int = 0
    nodes: int = 0
    gpu_name: str = ""
    gpu_count: int = 0
    gpu_mem: int = 0


def normalise(spec: FunctionSpec) -> Requirements:
    """Rewrite cpu/memory strings the reference's way (MODEL §5.1) and return the numbers.

    Raises BadRequest on an unparsable value; ``executornames ["*"]`` reads back as ``[]``.
    """
    cond = spec.conditions
    req = Requirements(
        cpu=parse_cpu(cond.cpu),
        mem=parse_memory(cond.mem),
        storage=parse_memory(cond.storage),
        nodes=cond.nodes,
        gpu_name=cond.gpu.name,
        gpu_count=cond.gpu.count,
        gpu_mem=parse_memory(cond.gpu.mem),
    )
    cond.cpu = render_cpu(req.cpu)
    cond.mem = render_memory(req.mem)
    cond.storage = render_memory(req.storage)
    cond.gpu.mem = render_memory(req.gpu_mem)
    cond.gpu.node_count = 0
    if cond.executor_names == ["*"]:
        cond.executor_names = []
    return req
