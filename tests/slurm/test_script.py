"""The batch script a spec becomes, and what Slurm's final states mean (no cluster needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from colonies.backends import slurm
from colonies.backends.common import Reason, SpecError, make_job
from colonies.backends.slurm_jobs import SlurmBackend, SlurmOptions, batch_script
from colonies.core import Process
from tests.slurm.util import hpc_spec

SNAPSHOT = (
    "JobId={id} JobName=p1 UserId=root(0) GroupId=root(0) JobState={state} "
    "Reason=None Dependency=(null) ExitCode={code} RunTime=00:01:05 TimeLimit=00:01:00 "
    "NodeList=node[1-2] Comment=colonies:hpc-1 Command=/x/job.sh WorkDir=/x"
)


def _job(**fields: object) -> Process:
    return Process(process_id="p" * 64, spec=hpc_spec("echo hi", **fields))


def test_script_maps_conditions_and_options_with_shell_quoting(tmp_path: Path) -> None:
    process = Process(
        process_id="a" * 64,
        spec=hpc_spec(
            "printf '%s\\n' \"$MSG\" {processid}",
            env={"MSG": "it's $HOME; rm -rf /"},
            cond_nodes=2,
            cond_processespernode=4,
            cond_cpu="2500m",
            cond_mem="1Gi",
            cond_gpu={"count": 2},
            cond_walltime=3601,
        ),
    )
    options = SlurmOptions(
        workdir=tmp_path,
        partition="gpu",
        account="proj1",
        qos="high",
        sbatch_lines=["--constraint=a100"],
        modules=["cuda/12"],
        measure=False,
    )
    script = batch_script(make_job(process), options, "colonies:hpc-1", tmp_path / "j")
    lines = script.splitlines()
    for expected in (
        "#SBATCH --nodes=2",
        "#SBATCH --ntasks-per-node=4",
        "#SBATCH --cpus-per-task=3",
        "#SBATCH --mem=1024M",
        "#SBATCH --gres=gpu:2",
        "#SBATCH --time=01:01:00",
        "#SBATCH --partition=gpu",
        "#SBATCH --account=proj1",
        "#SBATCH --qos=high",
        "#SBATCH --constraint=a100",
        "#SBATCH --export=NONE",
        f"#SBATCH --job-name={'a' * 64}",
        "module load cuda/12",
    ):
        assert expected in lines
    # The shell reads back exactly what the spec said.
    env_lines = [line for line in lines if line.startswith("export ")]
    shown = subprocess.run(
        ["sh", "-c", "\n".join([*env_lines, 'printf %s "$MSG"'])], capture_output=True, text=True
    )
    assert shown.stdout == "it's $HOME; rm -rf /"
    assert lines[-1].startswith("srun --export=ALL sh -c ")
    assert "a" * 64 in lines[-1]


def test_spec_values_that_cannot_be_sbatch_lines_are_refused(tmp_path: Path) -> None:
    job = make_job(_job(env={"BAD NAME": "x"}))
    with pytest.raises(SpecError, match="not a shell variable name"):
        batch_script(job, SlurmOptions(workdir=tmp_path), "c", tmp_path)


@pytest.mark.parametrize(
    ("state", "code", "reason", "text"),
    [
        ("COMPLETED", "0:0", Reason.SUCCESS, ""),
        ("FAILED", "3:0", Reason.EXIT, "exit: the job failed with exit code 3"),
        ("TIMEOUT", "0:15", Reason.TIMEOUT, "timeout: the job ran out of its walltime"),
        ("OUT_OF_MEMORY", "0:125", Reason.OOM, "oom: the job used more memory"),
        ("PREEMPTED", "0:15", Reason.PREEMPTED, "preempted: the job was preempted"),
        ("NODE_FAIL", "0:0", Reason.NODE_FAIL, "node-fail: a node of the job failed"),
        ("CANCELLED", "0:15", Reason.CANCELLED, "cancelled: the job was cancelled in Slurm"),
        ("SPECIAL_EXIT", "0:0", Reason.ENGINE, "engine: the job ended in Slurm state SPECIAL"),
    ],
)
async def test_final_states_from_a_scontrol_snapshot(
    state: str, code: str, reason: str, text: str, tmp_path: Path
) -> None:
    [info] = slurm.parse_show_job(SNAPSHOT.format(id=42, state=state, code=code))
    assert (info.job_id, info.nodes, info.comment, info.run_time_s) == (
        "42",
        "node[1-2]",
        "colonies:hpc-1",
        65.0,
    )
    backend = SlurmBackend(SlurmOptions(workdir=tmp_path))
    backend.sacct.available = False
    outcome = await backend._outcome(info, tmp_path)
    assert outcome.reason == reason
    assert outcome.error().startswith(text)
    assert outcome.report.extra["slurm_state"] == state and outcome.report.wall_s == 65.0


def test_durations_sizes_and_walltimes() -> None:
    assert slurm.duration_s("1-02:03:04") == 93784
    assert slurm.duration_s("05:06.500") == 306.5
    assert slurm.duration_s("UNLIMITED") is None
    assert slurm.size_bytes("1536K") == 1536 * 1024
    assert slurm.walltime(1) == "00:01:00" and slurm.walltime(90000) == "1-01:00:00"
