"""Weekly: retrain from the shared sets and the reviewers' decisions, promote the new models only if
the evaluation gate passes, keep the previous ones to roll back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from classify.evaluate import run_gate
from classify.modelstore import MODEL_DIR
from classify.promote import DEFAULT_KEEP, new_candidate, promote
from classify.train import default_data_dir, train_all
from flows.common import IO_TASK, recorded, sessions_for
from storage.decisions import decided_documents


@task(name="read-decisions", timeout_seconds=600, **IO_TASK)
def decisions_task(database_url: str | None) -> list[dict[str, Any]]:
    with sessions_for(database_url)() as session:
        return decided_documents(session)


@task(name="train-candidates", timeout_seconds=3 * 3600)
def train_task(data_dir: Path | None, decisions: list[dict[str, Any]], keep_dir: Path, model_dir: Path) -> str:
    candidate = new_candidate(keep_dir, model_dir)
    logger = get_run_logger()
    report = train_all(data_dir, decisions, out_dir=candidate, say=logger.info, evaluate=False)
    logger.info("trained %s; kept %s; missing %s", report["trained"], report["kept"], report["missing"])
    return str(candidate)


@task(name="evaluation-gate", timeout_seconds=3600)
def gate_task(data_dir: Path, candidate: str, baseline: Path | None) -> dict[str, Any]:
    rows, problems = run_gate(data_dir, baseline, Path(candidate), say=get_run_logger().info)
    below = [f"{r.group}.{r.metric} {r.value} < {r.floor}" for r in rows if not r.ok]
    return {
        "passed": not below and not problems,
        "below": below,
        "problems": problems,
        "scores": {f"{r.group}.{r.metric}": r.value for r in rows},
    }


@flow(name="retrain-models", timeout_seconds=4 * 3600)
def retrain_models(
    database_url: str | None = None,
    data_dir: Path | None = None,
    baseline: Path | None = None,
    model_dir: Path | None = None,
    keep_dir: Path | None = None,
) -> dict[str, Any]:
    model_dir = model_dir or MODEL_DIR
    keep_dir = keep_dir or DEFAULT_KEEP
    data = data_dir or default_data_dir()
    if data is None:
        raise ValueError("retrain-models: no data sets for the evaluation gate: set BKKWATCH_DATA_DIR")
    with recorded("retrain-models", database_url) as outcome:
        decisions = decisions_task(database_url)
        candidate = train_task(data if data.is_dir() else None, decisions, keep_dir, model_dir)
        gate = gate_task(data, candidate, baseline)
        outcome.update({"decisions": len(decisions), "candidate": candidate, **gate})
        if gate["passed"]:
            outcome["previous"] = str(promote(Path(candidate), model_dir, keep_dir))
        outcome["promoted"] = gate["passed"]
    return dict(outcome)
