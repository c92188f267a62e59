"""``colonies dashboard`` prints a one-time link to a page it serves on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from colonies.cli.main import cli
from tests.conftest import COLONY, COLONY_KEY, Colony


def test_without_any_key_it_says_which_variable_to_set() -> None:
    result = CliRunner().invoke(cli, ["dashboard", "--no-browser"], env={"COLONIES_PRVKEY": ""})
    assert result.exit_code == 1
    assert "COLONIES_PRVKEY is not set" in result.output


async def test_it_prints_a_link_whose_token_becomes_a_session(
    server: TestServer, colony: Colony
) -> None:
    env = {
        **os.environ,
        "COLONIES_SERVER_HOST": "127.0.0.1",
        "COLONIES_SERVER_PORT": str(server.port),
        "COLONIES_COLONY_NAME": COLONY,
        "COLONIES_COLONY_PRVKEY": COLONY_KEY,
    }
    colonies = str(Path(sys.executable).parent / "colonies")
    argv = [colonies, "dashboard", "--port", "0", "--no-browser"]
    proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        link = ""
        while "?token=" not in link:
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, "the command ended without printing a link"
            link = line.decode().strip()
        assert link.startswith("http://127.0.0.1:") and ":0/" not in link
        async with aiohttp.ClientSession() as http:
            async with http.get(link, allow_redirects=False) as r:
                assert r.status == 303
                cookie = r.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with http.get(link, allow_redirects=False) as r:
                assert r.status == 403  # the token worked once (and no cookie was kept)
    finally:
        proc.terminate()
        await proc.wait()
