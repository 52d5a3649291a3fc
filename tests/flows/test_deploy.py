"""`prefect deploy --all` registers every deployment of prefect.yaml with a real Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL

from casework.status import deployments

ROOT = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]


@pytest.mark.slow
def test_prefect_deploy_all(prefect_api: None) -> None:
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "BKKWATCH_HOME": str(ROOT)}
    pool = subprocess.run(
        [*PREFECT, "work-pool", "create", "bkkwatch", "--type", "process", "--overwrite"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pool.returncode == 0, pool.stderr[-2000:]
    deploy = subprocess.run(
        [*PREFECT, "--no-prompt", "deploy", "--all"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert deploy.returncode == 0, (deploy.stdout[-3000:], deploy.stderr[-3000:])

    with get_client(sync_client=True) as client:
        registered = {d.name: d for d in client.read_deployments()}
    expected = {d["name"]: d for d in deployments()}
    assert set(expected) <= set(registered)
    for name, spec in expected.items():
        deployment = registered[name]
        assert deployment.work_pool_name == "bkkwatch"
        crons = sorted((s.schedule.cron, s.schedule.timezone) for s in deployment.schedules)
        assert crons == sorted((s["cron"], s["timezone"]) for s in spec["schedules"]), name
        assert deployment.global_concurrency_limit is not None and deployment.global_concurrency_limit.limit == 1
