"""The read-only views against a stand-in for the Go reference server (our server
answering only the reference's payload types, see reference_server.py): the Go server
cannot run here."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, expect

import colonies.dashboard
from colonies.client import SENDS, ColoniesClient
from colonies.config import Settings
from colonies.core import WorkflowSpec
from colonies.core.cron import Cron
from colonies.core.generator import Generator
from colonies.dashboard.extensions import PAYLOAD_TYPES
from colonies.dashboard.roles import Keys
from colonies.errors import RPCError
from colonies.fs.s3 import S3Store
from colonies.fs.transfer import Fs
from tests.conftest import COLONY, COLONY_KEY, Colony
from tests.dashboard.conftest import Running, screenshot, start_dashboard
from tests.dashboard.reference_server import REFERENCE_TYPES, reference_app
from tests.dashboard.test_live import echo_spec, executor

DASHBOARD = Path(colonies.dashboard.__file__).parent


@pytest.fixture
async def reference(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """The stand-in, on the database of ``server`` (which the tests fill with work)."""
    srv = TestServer(reference_app(settings), host="127.0.0.1")
    await srv.start_server()
    try:
        yield srv
    finally:
        await srv.close()


@pytest.fixture
async def on_reference(reference: TestServer, member_key: str) -> AsyncIterator[Running]:
    running = await start_dashboard(reference, Keys(user=member_key, colony=COLONY_KEY))
    try:
        yield running
    finally:
        await running.app_server.close()


def test_only_extensions_sends_what_the_reference_server_lacks() -> None:
    type_of = {method: payload_type for payload_type, method in SENDS.items()}
    sent: dict[str, set[str]] = {}
    for path in DASHBOARD.glob("*.py"):
        for method in re.findall(r"(?:client|api)\.(\w+)\(", path.read_text()):
            if method in type_of:
                sent.setdefault(path.name, set()).add(type_of[method])
    outside = {t for name, types in sent.items() if name != "extensions.py" for t in types}
    assert outside and outside <= REFERENCE_TYPES, outside - REFERENCE_TYPES
    assert sent["extensions.py"] == PAYLOAD_TYPES
    assert not PAYLOAD_TYPES & REFERENCE_TYPES


async def test_the_stand_in_refuses_our_payload_types_as_the_reference_does(
    reference: TestServer, member_key: str, colony: Colony
) -> None:
    async with ColoniesClient(str(reference.make_url("")).rstrip("/")) as stand_in:
        process = await stand_in.submit(echo_spec(), key=member_key)
        with pytest.raises(RPCError) as e:
            await stand_in.explain_process(process.process_id, key=member_key)
    assert (e.value.status, e.value.message) == (
        403,
        "invalid rpcMsg.PayloadType: explainprocessmsg",
    )


async def test_every_read_only_view_renders_against_the_reference_server(
    page: Page,
    on_reference: Running,
    client: ColoniesClient,
    colony: Colony,
    store: S3Store,
) -> None:
    key = on_reference.user_key
    done = await client.submit(echo_spec(), key=key)
    workflow = WorkflowSpec(colony_name=COLONY, function_specs=[echo_spec("echo", "only")])
    graph = await client.submit_workflow(workflow, key=key)
    ex = executor(client, colony.executor_key)
    ex.add_function("echo", lambda *args: args)
    await ex.run(burst=True)
    waiting = await client.submit(echo_spec("later"), key=key)
    spec_json = workflow.model_dump_json(by_alias=True)
    await client.add_cron(
        Cron(name="hourly", colony_name=COLONY, interval=3600, workflow_spec=spec_json), key=key
    )
    generator = Generator(name="batcher", colony_name=COLONY, workflow_spec=spec_json, trigger=5)
    generator = await client.add_generator(generator, key=key)
    await client.pack_generator(generator.generator_id, "a", key=key)
    await Fs(client.signed_by(key, colony=COLONY), store).upload_bytes(b"x", "/in", "x.txt")

    async def view(path: str, name: str) -> None:
        response = await page.goto(on_reference.url + path)
        assert response is not None and response.status == 200, path
        await expect(page.locator("#problem")).to_be_empty()
        await screenshot(page, f"reference-{name}")

    await page.goto(on_reference.login_url())
    await view("/c/test/", "overview")
    await expect(page.locator('[data-count="waiting"]')).to_have_text("1")
    await expect(page.locator('[data-count="successful"]')).to_have_text("2")
    await client.submit(echo_spec("later"), key=key)
    await expect(page.locator('[data-count="waiting"]')).to_have_text("2")  # live

    await view("/c/test/processes?state=successful", "processes")
    await expect(page.locator("#process-table tbody tr")).to_have_count(2)
    await view(f"/c/test/processes/{done.process_id}", "process")
    await expect(page.locator("#detail [data-state]")).to_have_text("success")
    await view(f"/c/test/processes/{waiting.process_id}", "process-waiting")
    await expect(page.locator("#detail [data-state]")).to_have_text("waiting")
    for ours in ("Attempts", "Why pending"):  # ours only: left out, the page still works
        await expect(page.get_by_role("heading", name=ours)).to_have_count(0)

    await view("/c/test/workflows?state=successful", "workflows")
    await expect(page.get_by_role("link", name=graph.process_graph_id[:12])).to_be_visible()
    await view(f"/c/test/workflows/{graph.process_graph_id}", "workflow")
    await expect(page.locator("#dag")).to_have_attribute("data-states", "only:success")
    await view("/c/test/executors", "executors")
    await expect(page.locator('tr[data-executor="test-executor"] [data-state]')).to_have_text(
        "approved"
    )
    await view("/c/test/crons", "crons")
    await expect(page.locator('tr[data-cron="hourly"]')).to_be_visible()
    await expect(page.locator('tr[data-generator="batcher"] [data-queued]')).to_have_text("1")
    await view("/c/test/functions", "functions")
    await expect(page.locator('tr[data-function="echo"] [data-calls]')).to_have_text("2")
    await view("/c/test/fs?label=/in", "fs")
    await expect(page.locator('tr[data-file="x.txt"]')).to_be_visible()


async def test_a_rerun_says_that_the_reference_server_cannot(
    page: Page, on_reference: Running, client: ColoniesClient, colony: Colony
) -> None:
    workflow = WorkflowSpec(colony_name=COLONY, function_specs=[echo_spec("boom", "only")])
    graph = await client.submit_workflow(workflow, key=on_reference.user_key)

    def boom(*args: object) -> None:
        raise RuntimeError("boom")

    ex = executor(client, colony.executor_key)
    ex.add_function("boom", boom)
    await ex.run(burst=True)
    await page.goto(on_reference.login_url(f"/c/test/workflows/{graph.process_graph_id}"))
    await expect(page.locator("#dag")).to_have_attribute("data-states", "only:failed")
    await page.get_by_role("button", name="Rerun").click()
    await expect(page.locator("#action-error")).to_have_text(
        "This Colonies server cannot rerun workflows."
    )
    await screenshot(page, "reference-rerun")
