"""Who may open the dashboard: the printed link's session, and only its colony's data."""

from __future__ import annotations

from aiohttp.test_utils import TestServer
from playwright.async_api import Page, expect

from colonies.client import ColoniesClient
from colonies.core import Colony as ColonyModel
from colonies.crypto import id_from_private_key, new_private_key
from colonies.dashboard.roles import Keys
from tests.conftest import SERVER_KEY
from tests.dashboard.conftest import Running, screenshot, start_dashboard


async def test_a_request_without_the_token_is_refused(page: Page, dashboard: Running) -> None:
    response = await page.goto(dashboard.url + "/c/test/")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("alert")).to_contain_text("token")
    await screenshot(page, "refused")

    link = dashboard.login_url()
    response = await page.goto(link)
    assert response is not None and response.status == 200
    assert "token=" not in page.url  # exchanged for a cookie, dropped from the address
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Overview of test")
    cookies = await page.context.cookies()
    assert [(c["httpOnly"], c["sameSite"]) for c in cookies] == [(True, "Strict")]

    again = await page.context.new_page()
    spent = await again.goto(link)  # the token worked once
    assert spent is not None and spent.status == 200  # ...this browser has the session
    await page.context.clear_cookies()
    spent = await again.goto(link)
    assert spent is not None and spent.status == 403


async def test_an_action_without_the_csrf_token_is_refused(page: Page, dashboard: Running) -> None:
    await page.goto(dashboard.login_url())
    response = await page.request.post(
        dashboard.url + "/c/test/executors/test-executor/remove", form={"csrf": "forged"}
    )
    assert response.status == 403
    assert "stale" in await response.text()


async def test_a_member_key_cannot_see_another_colony(
    page: Page, dashboard: Running, client: ColoniesClient
) -> None:
    other_key = new_private_key()
    other = ColonyModel(colony_id=id_from_private_key(other_key), name="other")
    await client.add_colony(other, key=SERVER_KEY)
    await page.goto(dashboard.login_url())
    for path in ("/c/other/", "/c/other/processes", "/c/other/executors"):
        response = await page.goto(dashboard.url + path)
        assert response is not None and response.status == 403, path
        await expect(page.get_by_role("alert")).to_contain_text("not a member")
    await screenshot(page, "other-colony-refused")


async def test_the_server_owner_sees_the_list_of_colonies(
    page: Page, server: TestServer, dashboard: Running
) -> None:
    owner = await start_dashboard(server, Keys(server=SERVER_KEY))
    try:
        await page.goto(owner.login_url())
        await expect(page.get_by_role("link", name="test")).to_be_visible()
        await screenshot(page, "colonies")
    finally:
        await owner.app_server.close()
