"""The preference page in a real browser (Debian's Chromium, driven by Selenium): a shopper opens
the link from a reminder, switches a topic off with the keyboard, saves, and sees it kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ..conftest import Shop
from .conftest import SHOTS, Served, post_shopify

pytestmark = pytest.mark.e2e


def _preferences_link(served: Served, n: int) -> str:
    assert (
        post_shopify(served, "checkouts", "checkouts/create", Shop.checkout(n, at=datetime.now(UTC)))[0]
        == 200
    )
    assert served.cli("dispatch", "--at", "+2h").returncode == 0
    [mail] = [
        r["body"]
        for r in served.stub.requests
        if r["body"]["personalizations"][0]["to"][0]["email"] == f"shopper{n}@example.com"
    ]
    link = re.search(r'href="(http[^"]+/preferences/[^"]+)"', mail["content"][1]["value"])
    assert link is not None
    return link.group(1)


def test_the_preference_page_works_in_a_real_browser(served: Served, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)
    link = _preferences_link(served, 60)
    assert link.startswith(served.url)  # serve points the links at itself
    browser.get(link)
    assert "Your preferences" in browser.title
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "preferences.png"))
    labels = {label.text: label for label in browser.find_elements(By.TAG_NAME, "label")}
    assert (
        "Reminders about your cart" in labels and "At most once a week" in labels
    )  # every input is labelled
    offers = browser.find_element(By.CSS_SELECTOR, 'input[name="topic"][value="offers"]')
    assert offers.is_selected()
    offers.send_keys(Keys.SPACE)  # the keyboard alone is enough
    browser.find_element(By.CSS_SELECTOR, 'input[name="frequency"][value="weekly"]').send_keys(Keys.SPACE)
    browser.find_element(By.CSS_SELECTOR, 'button[value="save"]').send_keys(Keys.ENTER)
    # the form posts and the saved page loads: wait for it rather than race it
    notice = WebDriverWait(browser, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[role=status]"))
    )
    assert "Saved" in notice.text
    browser.save_screenshot(str(SHOTS / "preferences-saved.png"))
    assert not browser.find_element(By.CSS_SELECTOR, 'input[name="topic"][value="offers"]').is_selected()
    assert browser.find_element(By.CSS_SELECTOR, 'input[name="frequency"][value="weekly"]').is_selected()
    assert not browser.find_elements(By.TAG_NAME, "script")  # works without JavaScript
    profile = served.cli("profile", "shopper60@example.com").stdout
    assert '"frequency": "weekly"' in profile and '"offers"' in profile
    assert Path(SHOTS / "preferences.png").stat().st_size > 1000
