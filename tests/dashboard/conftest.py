"""Fixtures of the dashboard tests: Debian's Chromium driven by Playwright, and a dashboard
on a real server (its colony "test", a member "ada", and the colony owner's key)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright

from colonies.client import ColoniesClient
from colonies.core import User
from colonies.crypto import id_from_private_key, new_private_key
from colonies.dashboard.access import SESSIONS
from colonies.dashboard.app import create_app
from colonies.dashboard.roles import Keys
from colonies.dashboard.state import Dashboard
from tests.conftest import COLONY, COLONY_KEY, Colony

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Chromium from Debian (`make chromium`); Playwright gives each launch a fresh
    profile directory. A browser that cannot start fails the test."""
    async with async_playwright() as pw:
        found = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield found
        finally:
            await found.close()


@dataclass
class Running:
    url: str
    app_server: TestServer
    dash: Dashboard
    user_key: str

    def login_url(self, path: str = "/") -> str:
        """A fresh one-time link, as `colonies dashboard` prints."""
        token = self.app_server.app[SESSIONS].new_token()
        return f"{self.url}{path}?token={token}"


async def start_dashboard(server: TestServer, keys: Keys) -> Running:
    client = ColoniesClient(str(server.make_url("")).rstrip("/"))
    dash = Dashboard(client, keys, COLONY, poll_s=0.2, log_poll_s=0.1)
    app_server = TestServer(create_app(dash), host="127.0.0.1")
    await app_server.start_server()
    return Running(str(app_server.make_url("")).rstrip("/"), app_server, dash, keys.user)


@pytest.fixture
async def member_key(client: ColoniesClient, colony: Colony) -> str:
    key = new_private_key()
    user = User(colony_name=COLONY, user_id=id_from_private_key(key), name="ada")
    await client.add_user(user, key=COLONY_KEY)
    return key


@pytest.fixture
async def dashboard(server: TestServer, member_key: str) -> AsyncIterator[Running]:
    """A dashboard with a member's and the colony owner's key."""
    running = await start_dashboard(server, Keys(user=member_key, colony=COLONY_KEY))
    try:
        yield running
    finally:
        await running.app_server.close()


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A page in its own browser context (no cookies), saying yes to confirmations."""
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    found = await context.new_page()
    found.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    try:
        yield found
    finally:
        await context.close()


async def screenshot(page: Page, name: str) -> None:
    """An artifact for people to look at (not committed: test-artifacts/ is ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
