"""``colonies executor start --backend container``: its options and how it is built.

The engine library (aiodocker) is imported only when this back end starts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from colonies.cli.options import CliError

PULL_CHOICES = ("always", "missing", "never")

OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--image",
        "container_image",
        default="",
        help='Container back end: image of specs that name none (kwargs["docker-image"]).',
    ),
    click.option(
        "--docker-host",
        envvar="DOCKER_HOST",
        default="",
        help="Container back end: engine socket, e.g. unix:///run/podman/podman.sock "
        "[env DOCKER_HOST; default: the Docker default].",
    ),
    click.option(
        "--pull",
        "container_pull",
        type=click.Choice(PULL_CHOICES),
        default="missing",
        show_default=True,
        help="Container back end: when to pull an image from its registry.",
    ),
    click.option(
        "--gpu-runtime",
        default="",
        help="Container back end: OCI runtime for GPU processes, e.g. nvidia.",
    ),
    click.option(
        "--network",
        "container_network",
        default="",
        help="Container back end: network mode of the containers (default: the engine's).",
    ),
    click.option(
        "--staging-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("colonies-work"),
        show_default=True,
        help="Container back end: where inputs, outputs and the resource cache live.",
    ),
    click.option(
        "--allow-local",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Container back end: a directory below which staging URIs may name local "
        "paths (repeatable; none by default).",
    ),
    click.option(
        "--ulimit",
        "container_ulimits",
        multiple=True,
        help="Container back end: a ulimit of the containers, NAME=N (repeatable), "
        "e.g. nofile=1024.",
    ),
]
NAMES = (
    "container_image",
    "docker_host",
    "container_pull",
    "gpu_runtime",
    "container_network",
    "staging_dir",
    "allow_local",
    "container_ulimits",
)


def _ulimits(values: tuple[str, ...]) -> dict[str, int]:
    limits = {}
    for value in values:
        name, _, number = value.partition("=")
        if not name or not number.isdigit():
            raise CliError(f"--ulimit {value} is not NAME=N, e.g. nofile=1024.")
        limits[name] = int(number)
    return limits


def build(executor_type: str, options: dict[str, Any], executor_options: dict[str, Any]) -> Any:
    """The executor and its back end, served by ``serve`` below."""
    from colonies.backends.common import backend_executor
    from colonies.backends.container import ContainerBackend, Settings
    from colonies.fs.s3 import S3Config

    settings = Settings(
        docker_host=options["docker_host"],
        default_image=options["container_image"],
        pull=options["container_pull"],
        gpu_runtime=options["gpu_runtime"],
        network=options["container_network"],
        work_dir=options["staging_dir"],
        allow_local=tuple(options["allow_local"]),
        ulimits=_ulimits(options["container_ulimits"]),
    )
    s3 = S3Config.from_env()
    backend = ContainerBackend(
        settings,
        hardware=executor_options.get("hardware"),
        s3=s3 if s3.endpoint and s3.bucket else None,
    )
    executor = backend_executor(
        backend, executor_type, admission=backend.admission, **executor_options
    )
    return executor, backend


def serve(executor: Any, burst: bool) -> None:
    from colonies.backends.common import serve_backend
    from colonies.backends.container import EngineError

    try:
        serve_backend(executor, burst)
    except EngineError as err:
        raise CliError(f"{err}.") from None
