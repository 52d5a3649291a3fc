"""The evaluation gate on the fixed sets (BKKWATCH_DATA_DIR: `make test` sets it), skipped with the reason when
they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from classify.evaluate import check_digests, format_table, read_baseline, run_gate
from classify.train import default_data_dir, locate

DATA = default_data_dir() or Path("(BKKWATCH_DATA_DIR not set)")


def _need_data() -> None:
    _, missing = locate(DATA)
    if missing:
        pytest.skip(f"evaluation sets missing under {DATA}: {'; '.join(missing)}")


def test_the_baseline_pins_every_evaluation_set() -> None:
    baseline = read_baseline()
    assert set(baseline["digests"]) >= {"traffy", "wisesight_valid", "devset"}
    assert {
        "agency_hit3_location",
        "agency_hit3_text",
        "topic_owner_hit3",
        "sentiment_macro_f1",
        "relevance_f1",
        "impact_roc_auc",
        "urgent_recall",
    } <= set(baseline["floors"])


def test_a_changed_set_is_reported(tmp_path: Path) -> None:
    _need_data()
    baseline = read_baseline()
    baseline["digests"] = {**baseline["digests"], "traffy": "0" * 64}
    problems = check_digests(DATA, baseline)
    assert len(problems) == 1 and "traffy" in problems[0] and "pinned" in problems[0]


@pytest.mark.slow
def test_evaluation_gate(capsys: pytest.CaptureFixture[str]) -> None:
    _need_data()
    rows, problems = run_gate(DATA)
    table = format_table(rows)
    with capsys.disabled():
        print("\n" + table)
    assert problems == []
    below = [r for r in rows if not r.ok]
    assert below == [], table


def test_a_score_under_its_floor_fails_and_the_table_says_so() -> None:
    from classify.evaluate import GateRow

    rows = [
        GateRow("classify", "relevance_f1", 0.91, 0.90),
        GateRow("classify", "urgent_recall", 0.75, 1.0),
        GateRow("stories", "pairs_f1", None, 0.8),
    ]
    assert [r.ok for r in rows] == [True, False, False]
    table = format_table(rows)
    assert "BELOW FLOOR" in table and "relevance_f1" in table and "—" in table
