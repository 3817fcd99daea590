"""The served static files in a real Chromium: every page links the CJK fallback font, and
CJK text on a page loads the font's slices from Ren (none of the system's fonts is used)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page

from app.asset_paths import SERVED, asset
from tests.editor.test_editor_browser import page  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_every_served_asset_answers(ren_url: str) -> None:
    for relative in SERVED:
        path = asset(relative)
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()][:3]
        for file in files:
            inside = file.relative_to(asset("."))
            response = httpx.get(f"{ren_url}/ren-assets/{inside.as_posix()}")
            assert response.status_code == 200, inside
            assert response.content == file.read_bytes()


async def test_cjk_text_gets_the_shipped_fallback_font(
    page: Page,  # noqa: F811 - the fixture imported above
    ren_url: str,
) -> None:
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url) if ".woff2" in r.url else None)
    await page.goto(f"{ren_url}/workflows")
    await page.wait_for_selector("text=Workflows")
    loaded = await page.evaluate(
        """async () => {
            const p = document.createElement('p');
            p.textContent = '金额审批流程';
            document.body.appendChild(p);
            const faces = await document.fonts.load("16px 'Ren CJK'", '金额审批流程');
            return {
                faces: faces.length,
                family: getComputedStyle(p).fontFamily,
                ready: document.fonts.check("16px 'Ren CJK'", '金额审批流程'),
            };
        }"""
    )
    assert loaded["faces"] > 0 and loaded["ready"] is True
    assert "Ren CJK" in loaded["family"]
    assert any("/ren-assets/fonts/noto-sans-sc/" in url for url in fetched), fetched
