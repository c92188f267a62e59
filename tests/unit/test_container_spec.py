"""The container back end's spec mapping and staging URI syntax (no engine needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from colonies.backends.common import Admission, make_job
from colonies.backends.container import Settings, container_config
from colonies.core import FunctionSpec, Hardware, Process
from colonies.fs.staging import StagingError, parse, plan


def job_of(**spec: object) -> Process:
    return Process(process_id="p1", spec=FunctionSpec.model_validate(spec))


def test_limits_gpu_env_labels_and_init_cmd() -> None:
    process = job_of(
        funcname="execute",
        kwargs={"cmd": "echo {processid}", "init-cmd": "setup"},
        env={"A": "1"},
        conditions={"cpu": "1500m", "mem": "64Mi", "gpu": {"count": 2}},
    )
    config = container_config(
        make_job(process), "img", executor_id="e1", settings=Settings(gpu_runtime="nvidia")
    )
    host = config["HostConfig"]
    assert host["NanoCpus"] == 1_500_000_000
    assert host["Memory"] == host["MemorySwap"] == 64 * 1024 * 1024
    assert host["DeviceRequests"] == [{"Driver": "", "Count": 2, "Capabilities": [["gpu"]]}]
    assert host["Runtime"] == "nvidia"
    assert config["Cmd"] == ["sh", "-c", 'setup\nexec "$@"', "sh", "sh", "-c", "echo p1"]
    assert config["Env"] == ["A=1", "COLONIES_PROCESS_ID=p1"]
    assert config["Labels"] == {"colonies.process": "p1", "colonies.executor": "e1"}


def test_fs_mounts_are_bound_below_fs_mount(tmp_path: Path) -> None:
    process = job_of(
        funcname="execute",
        kwargs={"cmd": "true"},
        fs={"mount": "", "dirs": [{"label": "/data", "dir": str(tmp_path / "d")}]},
    )
    config = container_config(make_job(process), "img", executor_id="e", settings=Settings())
    assert config["HostConfig"]["Binds"] == [f"{tmp_path / 'd'}:{tmp_path / 'd'}"]


def test_admission_asks_for_what_is_free() -> None:
    admission = Admission(Hardware(cpu="2000m", mem="1Gi"))
    assert admission.available() == ("2000m", "1048576Ki")
    big = job_of(funcname="x", conditions={"cpu": "2000m", "mem": "1Mi"})
    admission.claim(big)
    assert admission.available() is None
    admission.release(big)
    assert admission.available() == ("2000m", "1048576Ki")
    assert Admission(None).available() == ("", "")


def test_staging_uris() -> None:
    uri = parse("s3://b/ref.tgz|untar|mv:ref", "resource")
    assert (uri.scheme, uri.location, uri.actions) == ("s3", "b/ref.tgz", ("untar", "mv:ref"))
    assert parse("/data/x", "input").scheme == "file"
    assert plan({"input": "cfs://data/x", "output": ["s3://b/out/"]}).outputs[0].scheme == "s3"
    for bad, kind in [
        ("s3://b/out|gunzip", "output"),
        ("s3://b/out/*", "output"),
        ("http://x/y", "input"),
        ("s3://b/x|mv:../up", "input"),
        ("s3://b/x|explode", "input"),
        ("s3:///key", "input"),
    ]:
        with pytest.raises(StagingError):
            parse(bad, kind)
