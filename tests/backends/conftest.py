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
conmon_path = ["{root}/conmon-in-bundle"]
"""

# Podman 4.3.1 sets State.OOMKilled when it finds a file "oom" in the container's bundle
# directory when the container exits. conmon 2.1.6 does see the kernel's OOM event, but
# writes that file relative to its working directory, and Podman 4.3.1 starts conmon in
# its own (the service's) directory: the file lands there (a stray "oom" in the
# repository) and the container reads as a plain exit 137. This wrapper starts conmon in
# the bundle directory (its -b argument), so conmon's own OOM report reaches Podman
# (docs/engines.md).
CONMON_WRAPPER = """\
#!/bin/sh
previous=""
for arg in "$@"; do
    if [ "$previous" = "-b" ] || [ "$previous" = "--bundle" ]; then
        cd "$arg" || exit 1
        break
    fi
    previous="$arg"
done
exec {conmon} "$@"
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
    wrapper = root / "conmon-in-bundle"
    wrapper.write_text(CONMON_WRAPPER.format(conmon=shutil.which("conmon") or "/usr/bin/conmon"))
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
