"""The pages follow the colony as it changes, without a reload."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import Page, expect

from colonies.client import ColoniesClient
from colonies.core import Conditions, FunctionSpec, ProcessState, WorkflowSpec
from colonies.executor_sdk import Executor, ProcessContext
from tests.conftest import COLONY, MakeExecutor
from tests.dashboard.conftest import Running, screenshot


def echo_spec(name: str = "echo", node: str = "", parents: list[str] | None = None) -> FunctionSpec:
    conditions = Conditions(colony_name=COLONY, executor_type="cli", dependencies=parents or [])
    return FunctionSpec(func_name=name, node_name=node, args=["hi"], conditions=conditions)


def executor(client: ColoniesClient, key: str) -> Executor:
    return Executor("cli", name="test-executor", colony=COLONY, key=key, client=client)


async def test_counts_change_live_without_reload(
    page: Page, dashboard: Running, client: ColoniesClient, colony: object
) -> None:
    await page.goto(dashboard.login_url())
    waiting = page.locator('[data-count="waiting"]')
    await expect(waiting).to_have_text("0")
    await page.evaluate("window.notReloaded = true")
    for _ in range(3):
        await client.submit(echo_spec(), key=dashboard.user_key)
    await expect(waiting).to_have_text("3")

    ex = executor(client, colony.executor_key)  # type: ignore[attr-defined]
    ex.add_function("echo", lambda *args: args)
    await ex.run(burst=True)
    await expect(page.locator('[data-count="successful"]')).to_have_text("3")
    await expect(waiting).to_have_text("0")
    assert await page.evaluate("window.notReloaded") is True
    await screenshot(page, "overview")

    await page.goto(dashboard.url + "/c/test/processes?state=successful")
    await expect(page.locator("#process-table tbody tr")).to_have_count(3)
    await screenshot(page, "processes")


async def test_a_log_line_appears_in_the_live_tail_within_a_second(
    page: Page, dashboard: Running, client: ColoniesClient, colony: object
) -> None:
    process = await client.submit(echo_spec("talk"), key=dashboard.user_key)
    await page.goto(dashboard.login_url(f"/c/test/processes/{process.process_id}"))
    await expect(page.locator("#detail [data-state]")).to_have_text("waiting")
    logged, release = asyncio.Event(), asyncio.Event()

    async def talk(*args: object, ctx: ProcessContext) -> str:
        await ctx.log("hello from the executor")
        logged.set()
        await release.wait()
        return "done"

    ex = executor(client, colony.executor_key)  # type: ignore[attr-defined]
    ex.add_function("talk", talk)
    run = asyncio.create_task(ex.run(burst=True))
    try:
        await asyncio.wait_for(logged.wait(), 10)
        written = time.monotonic()
        log = page.locator(".log")
        await expect(log).to_contain_text("hello from the executor", timeout=1000)
        assert time.monotonic() - written < 1.0
        await expect(page.locator("#detail [data-state]")).to_have_text("running")
    finally:
        release.set()
        await run
    await expect(page.locator("#detail [data-state]")).to_have_text("success")
    await screenshot(page, "process")


async def test_a_workflow_dag_shows_node_states_changing(
    page: Page, dashboard: Running, client: ColoniesClient, colony: object
) -> None:
    workflow = WorkflowSpec(
        colony_name=COLONY,
        function_specs=[echo_spec("gate", "first"), echo_spec("echo", "second", ["first"])],
    )
    graph = await client.submit_workflow(workflow, key=dashboard.user_key)
    await page.goto(dashboard.login_url(f"/c/test/workflows/{graph.process_graph_id}"))
    dag = page.locator("#dag")
    await expect(dag).to_have_attribute("data-states", "first:waiting second:waiting")
    entered, release = asyncio.Event(), asyncio.Event()

    async def gate(*args: object) -> str:
        entered.set()
        await release.wait()
        return "open"

    ex = executor(client, colony.executor_key)  # type: ignore[attr-defined]
    ex.add_function("gate", gate)
    ex.add_function("echo", lambda *args: args)
    run = asyncio.create_task(ex.run(burst=True))
    try:
        await asyncio.wait_for(entered.wait(), 10)
        await expect(dag).to_have_attribute("data-states", "first:running second:waiting")
        await screenshot(page, "workflow-running")
    finally:
        release.set()
        await run
    await expect(dag).to_have_attribute("data-states", "first:success second:success")
    assert dag.locator("canvas").first is not None  # drawn by cytoscape
    await expect(page.locator('[data-node="second"] [data-state]')).to_have_text("success")
    await screenshot(page, "workflow")
    await page.goto(dashboard.url + "/c/test/workflows?state=successful")
    await screenshot(page, "workflows")


async def test_an_unapproved_executor_is_approved_from_the_page(
    page: Page, dashboard: Running, client: ColoniesClient, make_executor: MakeExecutor
) -> None:
    await make_executor("newcomer", approve=False)
    await page.goto(dashboard.login_url("/c/test/executors"))
    row = page.locator('tr[data-executor="newcomer"]')
    await expect(row.locator("[data-state]")).to_have_text("pending")
    await screenshot(page, "executors-pending")
    await row.get_by_role("button", name="Approve").click()  # the confirmation says yes
    await expect(row.locator("[data-state]")).to_have_text("approved")
    found = await client.get_executor("newcomer", colony=COLONY, key=dashboard.user_key)
    assert found.state == 1
    await screenshot(page, "executors")


async def test_a_spec_is_checked_in_the_editor_and_submitted(
    page: Page, dashboard: Running, client: ColoniesClient, colony: object
) -> None:
    await page.goto(dashboard.login_url("/c/test/submit"))
    editor = page.get_by_label("Function spec (JSON)")
    submit = page.get_by_role("button", name="Submit")
    await editor.fill('{"funcname": ')
    await expect(page.locator("#spec-error")).to_contain_text("Not JSON")
    await expect(submit).to_be_disabled()
    await editor.fill('{"funcname": "echo", "conditions": {"executortype": "cli"}}')
    await expect(submit).to_be_enabled()
    await screenshot(page, "submit")
    await submit.click()
    await expect(page.locator("#detail [data-state]")).to_have_text("waiting")
    pid = page.url.rsplit("/", 1)[1]
    assert (await client.get_process(pid, key=dashboard.user_key)).state == ProcessState.WAITING
    await page.get_by_role("button", name="Cancel").click()
    await expect(page.locator("#detail [data-state]")).to_have_text("cancelled")
