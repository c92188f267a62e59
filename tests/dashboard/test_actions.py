"""The actions of the pages: a checked submit, removing a process, rerunning a workflow,
rejecting and removing an executor (each after a confirmation)."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Dialog, Page, expect

from colonies.client import ColoniesClient
from colonies.core import ExecutorState, WorkflowSpec
from colonies.errors import RPCError
from tests.conftest import COLONY, Colony, MakeExecutor
from tests.dashboard.conftest import Running, screenshot
from tests.dashboard.test_live import echo_spec, executor


def confirmations(page: Page) -> list[str]:
    """The texts of the confirmations the page asks (the page fixture says yes to each)."""
    asked: list[str] = []

    def note(dialog: Dialog) -> None:
        asked.append(dialog.message)

    page.on("dialog", note)
    return asked


async def test_a_spec_the_server_refuses_is_shown_with_its_error_on_submit(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    await page.goto(dashboard.login_url("/c/test/submit"))
    editor = page.get_by_label("Function spec (JSON)")
    wrong = '{"funcname": "echo", "maxexectime": "soon", "conditions": {"executortype": "cli"}}'
    await editor.fill(wrong)
    await page.get_by_role("button", name="Submit").click()
    error = page.locator("#spec-error")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("maxexectime")
    await expect(editor).to_have_value(wrong)  # kept for fixing
    await screenshot(page, "submit-refused")

    other = '{"funcname": "echo", "conditions": {"colonyname": "other", "executortype": "cli"}}'
    await editor.fill(other)
    await page.get_by_role("button", name="Submit").click()
    await expect(error).to_contain_text("conditions.colonyname must be test")
    stats = await client.colony_statistics(colony=COLONY, key=dashboard.user_key)
    assert stats.waiting_processes == 0


async def test_a_process_is_removed_from_its_page(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    process = await client.submit(echo_spec(), key=dashboard.user_key)
    asked = confirmations(page)
    await page.goto(dashboard.login_url(f"/c/test/processes/{process.process_id}"))
    await expect(page.locator("#detail [data-state]")).to_have_text("waiting")
    await page.get_by_role("button", name="Remove").click()
    await expect(page).to_have_url(dashboard.url + "/c/test/processes")
    assert asked == [f"Remove process {process.process_id[:12]}? This cannot be undone."]
    with pytest.raises(RPCError) as e:
        await client.get_process(process.process_id, key=dashboard.user_key)
    assert e.value.status == 404


async def test_a_failed_workflow_is_rerun_from_its_page(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    workflow = WorkflowSpec(
        colony_name=COLONY,
        function_specs=[echo_spec("flaky", "first"), echo_spec("echo", "second", ["first"])],
    )
    graph = await client.submit_workflow(workflow, key=dashboard.user_key)
    calls: list[int] = []

    def flaky(*args: object) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the first try fails")
        return "ok"

    ex = executor(client, colony.executor_key)
    ex.add_function("flaky", flaky)
    ex.add_function("echo", lambda *args: args)
    await ex.run(burst=True)

    asked = confirmations(page)
    await page.goto(dashboard.login_url(f"/c/test/workflows/{graph.process_graph_id}"))
    dag = page.locator("#dag")
    await expect(dag).to_have_attribute("data-states", "first:failed second:failed")
    await screenshot(page, "workflow-failed")
    await page.get_by_role("button", name="Rerun").click()
    await expect(dag).to_have_attribute("data-states", "first:waiting second:waiting")
    assert asked == ["Rerun this workflow?"]
    await asyncio.wait_for(ex.run(burst=True), 30)
    await expect(dag).to_have_attribute("data-states", "first:success second:success")
    assert len(calls) == 2


async def test_an_executor_is_rejected_then_removed_after_confirmations(
    page: Page, dashboard: Running, client: ColoniesClient, make_executor: MakeExecutor
) -> None:
    await make_executor("stranger", approve=False)
    asked = confirmations(page)
    await page.goto(dashboard.login_url("/c/test/executors"))
    row = page.locator('tr[data-executor="stranger"]')
    await expect(row.locator("[data-state]")).to_have_text("pending")
    await row.get_by_role("button", name="Reject").click()
    await expect(row.locator("[data-state]")).to_have_text("rejected")
    found = await client.get_executor("stranger", colony=COLONY, key=dashboard.user_key)
    assert found.state == ExecutorState.REJECTED
    await screenshot(page, "executors-rejected")
    await row.get_by_role("button", name="Remove").click()
    await expect(row.locator("[data-state]")).to_have_text("unregistered")
    found = await client.get_executor("stranger", colony=COLONY, key=dashboard.user_key)
    assert found.state == ExecutorState.UNREGISTERED
    assert asked == ["Reject executor stranger?", "Remove executor stranger?"]
    await screenshot(page, "executors-removed")
