"""A private one-node Slurm cluster (munged, slurmctld, slurmd) in a directory of its own.

Everything the daemons need (ports, sockets, state, spool, logs, the munge key) is derived
from the directory and from free TCP ports, so several clusters can run on one machine.
Client commands find the cluster through ``SLURM_CONF`` (``cluster.env``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_mib() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024 // 2  # half: other work shares the host
    return 1024


def _find(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin")
    if path is None:
        raise RuntimeError(f"{name} is not installed (apt-get install slurm-wlm munge)")
    return path


class SlurmCluster:
    """``start()`` returns once ``sinfo`` shows the node idle; ``stop()`` ends the daemons."""

    def __init__(
        self, root: Path, *, cpus: int | None = None, overrides: dict[str, object] | None = None
    ) -> None:
        self.root = root
        self.overrides = overrides or {}
        """slurm.conf settings that replace or add to the defaults below."""
        self.node = socket.gethostname().split(".")[0]
        # More CPUs than the machine has (config_overrides): the tests' jobs mostly sleep,
        # and a job that holds a CPU for a minute must not queue the others behind it.
        self.cpus = cpus or max(os.cpu_count() or 1, 8)
        self.conf = root / "slurm.conf"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def env(self) -> dict[str, str]:
        """What client commands need in their environment."""
        return {"SLURM_CONF": str(self.conf)}

    def write_config(self) -> None:
        r = self.root
        for sub in ("state", "spool", "munge", "log"):
            (r / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        key = r / "munge" / "munge.key"
        if not key.exists():
            key.write_bytes(secrets.token_bytes(1024))
            key.chmod(0o400)
        lines = {
            "ClusterName": "colonies" + secrets.token_hex(3),
            "SlurmctldHost": f"{self.node}(127.0.0.1)",
            "SlurmctldPort": free_port(),
            "SlurmdPort": free_port(),
            "SrunPortRange": f"{(p := free_port())}-{p}",
            "SlurmUser": "root",
            "SlurmdUser": "root",
            "AuthType": "auth/munge",
            "CredType": "cred/munge",
            "AuthInfo": f"socket={r / 'munge' / 'munge.sock'}",
            "StateSaveLocation": r / "state",
            "SlurmdSpoolDir": r / "spool",
            "SlurmctldPidFile": r / "slurmctld.pid",
            "SlurmdPidFile": r / "slurmd.pid",
            "SlurmctldLogFile": r / "log" / "slurmctld.log",
            "SlurmdLogFile": r / "log" / "slurmd.log",
            "ProctrackType": "proctrack/linuxproc",
            "TaskPlugin": "task/none",
            "SelectType": "select/cons_tres",
            "SelectTypeParameters": "CR_CPU_Memory",
            "SchedulerType": "sched/builtin",
            "JobAcctGatherType": "jobacct_gather/none",
            "AccountingStorageType": "accounting_storage/none",
            "JobCompType": "jobcomp/none",
            "MpiDefault": "none",
            "ReturnToService": 2,
            "SlurmdParameters": "config_overrides",
            "DefMemPerCPU": 100,
            "MinJobAge": 300,
            "KillWait": 1,
            "OverTimeLimit": 0,
            "InactiveLimit": 0,
            "MessageTimeout": 5,
            "SlurmctldTimeout": 10,
            "SlurmdTimeout": 10,
            "TCPTimeout": 2,
            "SlurmctldDebug": "info",
            "SlurmdDebug": "info",
        }
        lines.update(self.overrides)
        text = "".join(f"{k}={v}\n" for k, v in lines.items())
        text += (
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} "
            f"RealMemory={_memory_mib()} State=UNKNOWN\n"
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n"
        )
        self.conf.write_text(text)

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "ab")  # noqa: SIM115
        env = {**os.environ, **self.env}
        self.procs[name] = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()

    def start(self, timeout_s: float = 60.0) -> None:
        self.write_config()
        m = self.root / "munge"
        self._spawn(
            "munged",
            [
                _find("munged"),
                "-F",
                "--force",
                f"--socket={m / 'munge.sock'}",
                f"--key-file={m / 'munge.key'}",
                f"--pid-file={m / 'munged.pid'}",
                f"--log-file={self.root / 'log' / 'munged.log'}",
                f"--seed-file={m / 'munged.seed'}",
            ],
        )
        self._wait(lambda: (m / "munge.sock").exists(), "munged", timeout_s)
        self._spawn("slurmctld", [_find("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._spawn("slurmd", [_find("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])
        self._wait(self._idle, "the node to be idle", timeout_s)

    def _idle(self) -> bool:
        out = self.run("sinfo", "-h", "-N", "-o", "%t", check=False)
        return out.strip() == "idle"

    def _wait(self, ready: object, what: str, timeout_s: float) -> None:
        assert callable(ready)
        deadline = time.monotonic() + timeout_s
        while not ready():
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log_tail(name)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}: {self.log_tail('slurmd')}")
            time.sleep(0.2)

    def log_tail(self, name: str) -> str:
        texts = []
        for path in (self.root / "log").glob(f"{name}*"):
            texts.append(path.read_text(errors="replace")[-2000:])
        return "\n".join(texts)

    def run(self, *argv: str, check: bool = True) -> str:
        """A Slurm client command against this cluster; its stdout."""
        done = subprocess.run(
            argv,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")
        return done.stdout

    def stop(self) -> None:
        self._cancel_jobs()
        for name in reversed(DAEMONS):
            proc = self.procs.pop(name, None)
            if proc is None:
                continue
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def _cancel_jobs(self, timeout_s: float = 15.0) -> None:
        """Cancel what still runs (a test that failed midway), so that no job step outlives
        the daemons; waits until Slurm says they have ended."""
        if "slurmctld" not in self.procs or self.procs["slurmctld"].poll() is not None:
            return
        try:
            active = self.run("squeue", "-h", "-o", "%i").split()
            if not active:
                return
            self.run("scancel", *active, check=False)
            deadline = time.monotonic() + timeout_s
            while self.run("squeue", "-h", "-o", "%i").split() and time.monotonic() < deadline:
                time.sleep(0.2)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass  # the daemons are stopped next in any case
