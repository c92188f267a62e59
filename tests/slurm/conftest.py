"""A real one-node Slurm cluster for this test session (each xdist worker starts its own,
in a temporary directory with free ports); a cluster that cannot start fails the tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import conftest as cli_conftest
from tests.slurm.cluster import SlurmCluster


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    root = Path(tempfile.mkdtemp(prefix="colonies-slurm-"))
    cluster = SlurmCluster(root)
    try:
        cluster.start()
    except Exception as err:
        cluster.stop()
        pytest.fail(f"the Slurm test cluster did not start: {err}", pytrace=False)
    previous = os.environ.get("SLURM_CONF")
    os.environ.update(cluster.env)
    try:
        yield cluster
    finally:
        cluster.stop()
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
        shutil.rmtree(root, ignore_errors=True)


invoke = cli_conftest.invoke
