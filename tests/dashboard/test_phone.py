"""The pages are readable on a phone: nothing wider than the screen but tables, which scroll."""

from __future__ import annotations

from playwright.async_api import Browser

from tests.dashboard.conftest import Running, screenshot


async def test_the_views_fit_a_phone_screen(
    browser: Browser, dashboard: Running, colony: object
) -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = await context.new_page()
        await page.goto(dashboard.login_url())
        for path in (
            "/c/test/",
            "/c/test/processes",
            "/c/test/executors",
            "/c/test/crons",
            "/c/test/functions",
            "/c/test/fs",
            "/c/test/submit",
            "/c/test/workflows",
        ):
            await page.goto(dashboard.url + path)
            wide = await page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, (path, wide)
        await screenshot(page, "phone-workflows")
    finally:
        await context.close()
