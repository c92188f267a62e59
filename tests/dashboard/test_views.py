"""The views of functions, crons and generators, and Colonies FS."""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.async_api import Page, expect

from colonies.client import ColoniesClient
from colonies.core import Statistics, WorkflowSpec
from colonies.core.cron import Cron
from colonies.core.generator import Generator
from colonies.fs.s3 import S3Store
from colonies.fs.transfer import Fs
from tests.conftest import COLONY, Colony
from tests.dashboard.conftest import Running, screenshot
from tests.dashboard.test_live import echo_spec, executor

TIME = "%Y-%m-%d %H:%M:%S"


def workflow_json(name: str = "echo") -> str:
    spec = WorkflowSpec(colony_name=COLONY, function_specs=[echo_spec(name, "only")])
    return spec.model_dump_json(by_alias=True)


async def test_functions_are_listed_with_their_statistics(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    for _ in range(2):
        await client.submit(echo_spec(), key=dashboard.user_key)
    ex = executor(client, colony.executor_key)
    ex.add_function("echo", lambda *args: args)
    await ex.run(burst=True)
    await page.goto(dashboard.login_url("/c/test/functions"))
    row = page.locator('tr[data-function="echo"]')
    await expect(row.locator("td").nth(1)).to_have_text("test-executor")
    await expect(row.locator("[data-calls]")).to_have_text("2")
    await page.evaluate("window.notReloaded = true")
    await client.submit(echo_spec(), key=dashboard.user_key)
    await ex.run(burst=True)
    await expect(row.locator("[data-calls]")).to_have_text("3")  # live
    assert await page.evaluate("window.notReloaded") is True
    await screenshot(page, "functions")


async def test_a_cron_shows_its_runs_and_runs_now_from_the_page(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    cron = Cron(name="hourly", colony_name=COLONY, interval=3600, workflow_spec=workflow_json())
    cron = await client.add_cron(cron, key=dashboard.user_key)
    await page.goto(dashboard.login_url("/c/test/crons"))
    row = page.locator('tr[data-cron="hourly"]')
    await expect(row.locator("[data-next-run]")).to_have_text("at the server's next check")
    await expect(row.locator("[data-last-run]")).to_have_text("-")
    await page.evaluate("window.notReloaded = true")
    fired = await client.run_cron(cron.cron_id, key=dashboard.user_key)  # another client
    last = row.locator("[data-last-workflow]")
    await expect(last).to_have_text(fired.prev_process_graph_id[:12] + "…")  # live
    await row.get_by_role("button", name="Run now").click()
    await expect(last).not_to_have_text(fired.prev_process_graph_id[:12] + "…")
    found = await client.get_cron(cron.cron_id, key=dashboard.user_key)
    await expect(last).to_have_text(found.prev_process_graph_id[:12] + "…")
    await expect(row.locator("[data-last-run]")).to_have_text(found.last_run.strftime(TIME))
    await expect(row.locator("[data-next-run]")).to_have_text(found.next_run.strftime(TIME))
    assert await page.evaluate("window.notReloaded") is True
    graph = await client.get_process_graph(found.prev_process_graph_id, key=dashboard.user_key)
    assert len(graph.process_ids) == 1
    await screenshot(page, "crons")


async def test_a_generator_shows_its_queued_arguments(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    generator = Generator(
        name="batcher", colony_name=COLONY, workflow_spec=workflow_json(), trigger=10, timeout=60
    )
    generator = await client.add_generator(generator, key=dashboard.user_key)
    for arg in ("a", "b"):
        await client.pack_generator(generator.generator_id, arg, key=dashboard.user_key)
    await page.goto(dashboard.login_url("/c/test/crons"))
    row = page.locator('tr[data-generator="batcher"]')
    await expect(row.locator("[data-trigger]")).to_have_text("10")
    await expect(row.locator("[data-queued]")).to_have_text("2")
    await client.pack_generator(generator.generator_id, "c", key=dashboard.user_key)
    await expect(row.locator("[data-queued]")).to_have_text("3")  # live
    await expect(row.locator("[data-first-pack]")).not_to_have_text("-")
    await screenshot(page, "generators")


async def test_labels_and_snapshots_are_browsed_and_a_file_downloaded(
    page: Page,
    dashboard: Running,
    client: ColoniesClient,
    colony: Colony,
    store: S3Store,
    tmp_path: Path,
) -> None:
    fs = Fs(client.signed_by(dashboard.user_key, colony=COLONY), store)
    data = b"a,b\n1,2\n" * 1000
    await fs.upload_bytes(data, "/data/in", "table.csv")
    await fs.upload_bytes(b"other", "/data/out", "result.txt")
    await client.create_snapshot("/data/in", "before", colony=COLONY, key=dashboard.user_key)

    await page.goto(dashboard.login_url("/c/test/fs"))
    labels = page.get_by_role("region", name="Labels")
    await expect(labels.get_by_role("link")).to_have_text(["/data/in", "/data/out"])
    snapshot = page.locator('tr[data-snapshot="before"]')
    await expect(snapshot.locator("[data-files]")).to_have_text("1")
    await snapshot.get_by_role("link", name="/data/in").click()
    files = page.get_by_role("region", name="Files in /data/in")
    await expect(files.locator("tr[data-file]")).to_have_count(1)
    await expect(files.locator('tr[data-file="table.csv"] [data-size]')).to_have_text(
        str(len(data))
    )
    await screenshot(page, "fs")
    await page.evaluate("window.notReloaded = true")
    await fs.upload_bytes(b"late", "/data/in", "late.txt")
    await expect(files.locator("tr[data-file]")).to_have_count(2)  # live
    assert await page.evaluate("window.notReloaded") is True
    async with page.expect_download() as waiting:
        await files.locator('tr[data-file="table.csv"]').get_by_role("link").click()
    download = await waiting.value
    assert download.suggested_filename == "table.csv"
    saved = tmp_path / "got.csv"
    await download.save_as(saved)
    assert saved.read_bytes() == data


async def test_a_process_page_shows_its_attempts_and_why_it_waits(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    done = await client.submit(echo_spec(), key=dashboard.user_key)
    ex = executor(client, colony.executor_key)
    ex.add_function("echo", lambda *args: args)
    await ex.run(burst=True)
    stuck = echo_spec()
    stuck.conditions.executor_type = "nobody"
    waiting = await client.submit(stuck, key=dashboard.user_key)

    await page.goto(dashboard.login_url(f"/c/test/processes/{done.process_id}"))
    rows = page.locator("#attempts tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.locator("td").nth(1)).to_have_text("test-executor")
    await expect(rows.locator("td").nth(2)).to_have_text("success")
    await expect(page.get_by_role("heading", name="Why pending")).to_have_count(0)
    await screenshot(page, "process-attempts")

    await page.goto(dashboard.url + f"/c/test/processes/{waiting.process_id}")
    await expect(page.get_by_role("heading", name="Why pending")).to_be_visible()
    await expect(page.locator('#why [data-code="no-type"]')).to_contain_text("nobody")
    await screenshot(page, "process-why-pending")


async def test_the_workflow_list_follows_the_workflows_live(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    await page.goto(dashboard.login_url())
    await page.goto(dashboard.url + "/c/test/workflows?state=waiting")
    await page.evaluate("window.notReloaded = true")
    workflow = WorkflowSpec(colony_name=COLONY, function_specs=[echo_spec("echo", "only")])
    graph = await client.submit_workflow(workflow, key=dashboard.user_key)
    row = page.locator(f'tr[data-workflow="{graph.process_graph_id}"]')
    await expect(row).to_be_visible()
    ex = executor(client, colony.executor_key)
    ex.add_function("echo", lambda *args: args)
    await ex.run(burst=True)
    await expect(row).to_have_count(0)
    assert await page.evaluate("window.notReloaded") is True
    await page.get_by_role("link", name="Successful").click()
    await expect(row).to_be_visible()
    await screenshot(page, "workflows-successful")


async def test_the_overview_draws_throughput_and_queue_depth_charts(
    page: Page, dashboard: Running, client: ColoniesClient, colony: Colony
) -> None:
    now = time.time()
    history = dashboard.dash.history(COLONY)
    for ago, waiting, finished in ((130, 4, 0), (70, 2, 2), (10, 0, 4)):
        stats = Statistics(waiting_processes=waiting, successful_processes=finished)
        history.add(stats, now=now - ago)
    await page.goto(dashboard.login_url())
    for chart in ("#chart-throughput", "#chart-queue"):
        await expect(page.locator(f"{chart} canvas")).to_have_count(1)
    data = json.loads(await page.locator("#chart-data").text_content() or "{}")
    assert sum(data["throughput"][1]) == 4
    assert data["queue"][1][:3] == [4, 2, 0]
    await screenshot(page, "overview-charts")
