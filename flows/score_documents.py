"""Scores, duplicates and stories for the documents that arrived since the last run."""

from __future__ import annotations

from prefect import flow, task

from classify.pipeline import process_new_documents
from flows.common import IO_TASK, recorded, sessions_for


@task(name="score-and-group", timeout_seconds=3600, **IO_TASK)
def score_task(database_url: str | None) -> dict[str, int]:
    with sessions_for(database_url).begin() as session:
        return process_new_documents(session)


@flow(name="score-documents", timeout_seconds=2 * 3600)
def score_documents(database_url: str | None = None) -> dict[str, int]:
    with recorded("score-documents", database_url) as outcome:
        outcome.update(score_task(database_url))
    return dict(outcome)
