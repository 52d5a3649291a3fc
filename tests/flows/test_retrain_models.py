"""Weekly retraining: new models replace the live ones only through the evaluation gate, and the
replaced ones can be put back."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from classify.modelstore import MODEL_DIR
from classify.promote import rollback
from flows.retrain_models import retrain_models


@pytest.fixture(autouse=True)
def _api(prefect_api: None) -> None:
    pass


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob("*.skops"))}


@pytest.fixture
def live(tmp_path: Path) -> Path:
    models = tmp_path / "live"
    shutil.copytree(MODEL_DIR, models)
    return models


@pytest.mark.slow
def test_gate_failure_keeps_the_live_models(db_url: str, tmp_path: Path, live: Path, line_env) -> None:  # type: ignore[no-untyped-def]
    before = _digest(live)
    impossible = tmp_path / "baseline.yaml"
    impossible.write_text("floors:\n  relevance_f1: 1.01\n", encoding="utf-8")
    result = retrain_models(
        db_url, data_dir=tmp_path / "no-shared-data", baseline=impossible, model_dir=live, keep_dir=tmp_path / "keep"
    )
    assert result["promoted"] is False and any("relevance_f1" in b for b in result["below"])
    assert _digest(live) == before
    assert not (tmp_path / "keep" / "previous").exists()


@pytest.mark.slow
def test_gate_pass_promotes_and_rollback_restores(db_url: str, tmp_path: Path, live: Path, line_env) -> None:  # type: ignore[no-untyped-def]
    before = _digest(live)
    open_gate = tmp_path / "baseline.yaml"
    open_gate.write_text("floors: {}\n", encoding="utf-8")
    keep = tmp_path / "keep"
    result = retrain_models(
        db_url, data_dir=tmp_path / "no-shared-data", baseline=open_gate, model_dir=live, keep_dir=keep
    )
    assert result["promoted"] is True
    backup = Path(result["previous"])
    assert _digest(backup) == before  # the replaced models are kept
    rollback(live, keep)
    assert _digest(live) == before and not backup.exists()
