"""The garbage collector's batch setting: fewer young collections with the native engine only
(durable-rules makes cycles for every invitation that a rarer collection pays for), and
Python's own setting back afterwards."""

from __future__ import annotations

import gc

import pytest

from tamis.cli.collector import YOUNG, tuned_for_batch
from tamis.engine.decision import EngineName


@pytest.mark.parametrize(
    ("engine", "young"), [(EngineName.NATIF, YOUNG), (EngineName.DURABLE, None)]
)
def test_the_batch_setting_depends_on_the_engine_and_is_undone(engine, young):
    before = gc.get_threshold()
    with tuned_for_batch(engine):
        assert gc.get_threshold()[0] == (before[0] if young is None else young)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
