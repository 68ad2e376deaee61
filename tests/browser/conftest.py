"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live server.

live_server tests are transactional: Django flushes every table after each of them, which would
delete the wards, units and categories the session seeded for all other tests. So these tests
run last, each one re-seeds what it needs, and the package re-seeds once more when it is done.
Screenshots of failing tests go to test-artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # without these three Chromium dials out and stalls
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",  # WebGL in software: MapLibre draws the tiles for real
    "--enable-unsafe-swiftshader",
]
PASSWORD = "demo1022"  # the seeded demo staff (backend/units/seed.py)

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests
# make around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    here = str(Path(__file__).parent)
    items.sort(key=lambda item: str(item.path).startswith(here))  # stable: browser tests last


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _seed() -> None:
    with open(os.devnull, "w") as quiet:
        call_command("seed", stdout=quiet)
        call_command("seed_demo", "--staff-only", stdout=quiet)


@pytest.fixture(scope="package", autouse=True)
def _reseed_when_done(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _seed()
        # Playwright's greenlets run this code in another context, with its own Django
        # connections: close them here, out of reach later, or the session keeps the test
        # database from being dropped.
        connections.close_all()


@pytest.fixture
def seeded(transactional_db: Any) -> None:
    from backend.units.models import Category

    if not Category.objects.exists():
        _seed()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    connections.close_all()  # the same, the other way round (see _reseed_when_done)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, live_server: Any, seeded: None) -> Any:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 850})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        if errors:
            (ARTIFACTS / f"{request.node.name}.log").write_text("\n".join(errors))
    context.close()
