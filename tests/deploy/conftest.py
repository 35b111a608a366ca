"""A failing deployment test leaves its screenshots and the servers' logs in tests/artifacts/<test>/, as the
real-browser suite does."""

from __future__ import annotations

import pytest

from tests.e2e.harness import keep_failure_artifacts


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    keep_failure_artifacts(item, call, report)
    return report
