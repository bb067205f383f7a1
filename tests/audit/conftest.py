"""Fixtures for the audit tests: a small real policy and a journal path (the helpers they
build on live in ``journal_helpers``, re-exported here for the tests that import them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from journal_helpers import POLICY, checked, decide, fill, invitation

__all__ = ["POLICY", "checked", "decide", "fill", "invitation"]


@pytest.fixture
def policy():
    return checked()


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.jsonl"
