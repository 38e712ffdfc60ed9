"""The HTML report in a real headless browser: Debian's chromium, driven by chromedriver.

Nothing is downloaded: the browser and the driver are the system's (``.ci/run`` installs them
with apt-get) and Selenium Manager runs offline. Without them the test skips, except under CI
(``CI=true``), where a missing browser is a failure, not a silent pass. Set
``DEDUP_SCREENSHOT=path.png`` to keep the screenshot of the samples report.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from dedup.config import Config
from dedup.pipeline import scan
from dedup.reporters.html import page

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, DRIVER) if not p.exists()]
    if not missing:
        return
    reason = f"needs {' and '.join(missing)} (apt-get install chromium chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; .ci/run installs them, so CI must have them")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    _require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver
        driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def samples_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    out.write_text(page(scan([str(REPO / "samples")], Config(root=REPO))), encoding="utf-8")
    return out


def _shown(driver: WebDriver) -> list[str]:
    sections = driver.find_elements(By.CSS_SELECTOR, "section.cluster")
    return [s.get_attribute("id") or "" for s in sections if s.is_displayed()]


def test_samples_report_renders_and_its_filters_work(
    browser: webdriver.Chrome, samples_page: Path, tmp_path: Path
) -> None:
    driver = browser
    driver.get(samples_page.as_uri())
    assert driver.title == "dedup: 4 clusters of repeated paragraphs"
    everything = ["cluster-1", "cluster-2", "cluster-3", "cluster-4"]
    assert _shown(driver) == everything
    shown = driver.find_element(By.ID, "shown")
    assert shown.text == "4 of 4 clusters shown"

    # copies side by side: the two halves of a pair share a row
    left, right = driver.find_elements(By.CSS_SELECTOR, "#cluster-3 .pair .copy")
    assert left.location["y"] == right.location["y"] and left.location["x"] < right.location["x"]
    assert driver.find_element(By.CSS_SELECTOR, "#cluster-3 del").text == "Trump’s"
    assert driver.find_element(By.CSS_SELECTOR, "#cluster-3 ins").text == "Trump's"

    screenshot = tmp_path / "samples.png"
    assert driver.save_screenshot(str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 20_000
    if os.environ.get("DEDUP_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["DEDUP_SCREENSHOT"])

    exact = driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=exact]")
    exact.click()
    assert _shown(driver) == ["cluster-1"]
    assert shown.text == "1 of 4 clusters shown"
    exact.click()
    assert _shown(driver) == everything

    path = driver.find_element(By.ID, "path-filter")
    path.send_keys("004_E6")  # case does not matter
    assert _shown(driver) == ["cluster-1", "cluster-2", "cluster-3"]
    exact.click()
    assert _shown(driver) == ["cluster-1"]
    exact.click()
    path.clear()
    path.send_keys("no such path")
    assert _shown(driver) == [] and shown.text == "0 of 4 clusters shown"

    # self-contained: the page fetched nothing and the browser logged no error (CSP included)
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    logged = driver.get_log("browser")  # type: ignore[no-untyped-call]  # untyped in selenium
    assert [e for e in logged if e["level"] == "SEVERE"] == []
