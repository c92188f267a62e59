"""A real container engine for the back-end tests: Podman's Docker-compatible API service.

One service per test session (per xdist worker), with its own containers.conf,
storage.conf and registries.conf under a temporary directory, so nothing touches the
machine's Podman state and parallel workers do not meet. The test image is a busybox-static
root filesystem imported with ``podman import`` (no registry). If the engine does not
start, the tests that need it fail: they are not skipped.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

IMAGE = "localhost/colonies-busybox:test"

CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "host"
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "{root}/tmp"

[engine.runtimes]
runc = ["{root}/runc-oom"]
"""

# Podman sets State.OOMKilled when conmon left a file "oom" in the container's bundle
# directory. conmon 2.1.6 should write it on the kernel's OOM event (an eventfd on the
# container's cgroup v1 memory.oom_control) but, on this kind of machine, never does
# (docs/engines.md), so a container killed for memory reads as a plain exit 137. This
# wrapper around runc does what conmon should: after `runc create` it leaves a small
# watcher that waits for the kernel's OOM event on the container's memory cgroup and, when
# the kernel's own count (memory.oom_control oom_kill) says the OOM killer took a process,
# writes the file Podman reads when the container exits. The watcher ends when the cgroup
# goes (`runc delete`). Every command is runc itself.
RUNC_WRAPPER = """\
#!{python}
import json, os, subprocess, sys

RUNC = {runc!r}
args = sys.argv[1:]
if "create" not in args or "--bundle" not in args:
    os.execv(RUNC, [RUNC, *args])
code = subprocess.run([RUNC, *args], close_fds=False).returncode
child = os.fork() if code == 0 else -1
if child == 0:
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 65536)
    try:
        bundle = args[args.index("--bundle") + 1]
        with open(os.path.join(bundle, "config.json")) as f:
            cgroup = json.load(f)["linux"]["cgroupsPath"].lstrip("/")
        memory = os.path.join("/sys/fs/cgroup/memory", cgroup)
        events = os.eventfd(0)
        control = os.open(os.path.join(memory, "memory.oom_control"), os.O_RDONLY)
        with open(os.path.join(memory, "cgroup.event_control"), "w") as f:
            f.write(f"{{events}} {{control}}")
        while True:
            os.eventfd_read(events)
            with open(os.path.join(memory, "memory.oom_control")) as f:
                counts = dict(line.split() for line in f if line.strip())
            if int(counts.get("oom_kill", "0")) > 0:
                open(os.path.join(bundle, "oom"), "a").close()
                break
    except (ValueError, KeyError, OSError):
        pass
    os._exit(0)
if child > 0:
    os.waitpid(child, 0)
sys.exit(code)
"""

STORAGE_CONF = """\
[storage]
driver = "vfs"
graphroot = "{root}/storage"
runroot = "{root}/run"
"""

REGISTRIES_CONF = "unqualified-search-registries = []\n"


@dataclass
class Engine:
    """A running Podman API service: ``url`` for DOCKER_HOST, ``image`` to run."""

    url: str
    image: str
    env: dict[str, str]
    root: Path

    def podman(self, *args: str, stdin: bytes | None = None) -> str:
        done = subprocess.run(
            ["podman", *args], env=self.env, input=stdin, capture_output=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)}: {done.stderr.decode().strip()}")
        return done.stdout.decode()


def busybox_rootfs() -> bytes:
    """A tar of a root filesystem with a static busybox and its applets."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    applets = subprocess.run(
        [busybox, "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in ("bin", "tmp", "etc", "root"):
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if name == "tmp" else 0o755
            tar.addfile(info)
        tar.add(busybox, arcname="bin/busybox")
        for applet in applets:
            if applet == "busybox":
                continue
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        passwd = b"root:x:0:0:root:/root:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(passwd)
        tar.addfile(info, io.BytesIO(passwd))
    return buf.getvalue()


def _answers(sock_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(str(sock_path))
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
            return b"200" in s.recv(64)
    except OSError:
        return False


class EngineError(Exception):
    """The Podman API service did not start."""


@contextlib.contextmanager
def podman_engine() -> Iterator[Engine]:
    """Podman's API service with the busybox test image, in a private directory."""
    if shutil.which("podman") is None or shutil.which("runc") is None:
        raise EngineError("podman and runc are not installed: run `make engines-podman`")
    root = Path(tempfile.mkdtemp(prefix="colonies-podman-"))
    for sub in ("tmp", "xdg", "config"):
        (root / sub).mkdir()
    (root / "containers.conf").write_text(CONTAINERS_CONF.format(root=root))
    (root / "storage.conf").write_text(STORAGE_CONF.format(root=root))
    (root / "registries.conf").write_text(REGISTRIES_CONF)
    wrapper = root / "runc-oom"
    wrapper.write_text(RUNC_WRAPPER.format(python=sys.executable, runc=shutil.which("runc")))
    wrapper.chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CONTAINERS_", "XDG_"))},
        "CONTAINERS_CONF": str(root / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
        "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
        "XDG_RUNTIME_DIR": str(root / "xdg"),
        "XDG_CONFIG_HOME": str(root / "config"),
    }
    sock = root / "podman.sock"
    engine = Engine(f"unix://{sock}", IMAGE, env, root)
    service = subprocess.Popen(
        ["podman", "system", "service", "--time", "0", f"unix://{sock}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(root / "service.log", "wb"),  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 30
        while not _answers(sock):
            if service.poll() is not None or time.monotonic() > deadline:
                log = (root / "service.log").read_text(errors="replace")[-2000:]
                raise EngineError(f"the Podman API service did not start: {log}")
            time.sleep(0.1)
        engine.podman("import", "-", IMAGE, stdin=busybox_rootfs())
        yield engine
    finally:
        with contextlib.suppress(Exception):
            engine.podman("rm", "--all", "--force", "--time", "0")
        service.terminate()
        try:
            service.wait(10)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """Podman's API service for the session; the test fails if it cannot start."""
    try:
        with podman_engine() as started:
            yield started
    except EngineError as err:
        pytest.fail(str(err))
