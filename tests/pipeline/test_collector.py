"""The garbage collector's setting while devices are audited: fewer, larger collections, restored after."""

from __future__ import annotations

import gc

from scanner.pipeline.collector import YOUNG, fewer_collections


def test_while_audits_run_the_young_generation_is_collected_less_often_and_older_objects_are_set_aside() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with fewer_collections():
        assert gc.get_threshold() == (max(before[0], YOUNG), before[1], before[2])
        assert gc.get_freeze_count() > 0
        with fewer_collections():  # a second scan at once in the same process
            assert gc.get_threshold()[0] == max(before[0], YOUNG)
        assert gc.get_threshold()[0] == max(before[0], YOUNG)  # the first still runs: left as it is
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_objects_the_program_froze_itself_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with fewer_collections():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_failing_audit_stage_still_restores_the_setting() -> None:
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise RuntimeError("an audit stage that broke")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
