"""The deployments' schedules fall at the right Bangkok times on holidays, Sundays and across another
time zone's daylight-saving change (computed by Prefect's own schedule code from prefect.yaml)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from bkkwatch.timeutil import BANGKOK
from casework.status import deployments, next_runs

BY_NAME = {d["name"]: d for d in deployments()}
DAILY = {"crawl-overnight": "00:30", "freeze-queue": "07:00", "remind-review": "10:00", "deadline-check": "10:30"}


def _daily_run(name: str, day: date) -> datetime:
    start = datetime.combine(day, datetime.min.time(), tzinfo=BANGKOK) - timedelta(minutes=1)
    return next_runs(BY_NAME[name]["schedules"][0], start.astimezone(UTC))[0].astimezone(BANGKOK)


def test_every_flow_has_a_scheduled_deployment_on_the_process_pool() -> None:
    flows = {d["entrypoint"].rsplit(":", 1)[1] for d in deployments()}
    assert flows == {
        "crawl_sources",
        "score_documents",
        "prepare_queue",
        "remind_review",
        "send_issues",
        "watch_urgent",
        "watch_answers",
        "monthly_report",
        "retrain_models",
    }
    for deployment in deployments():
        assert deployment["work_pool"]["name"] == "bkkwatch"
        assert deployment["concurrency_limit"]["limit"] == 1
        assert all(s["timezone"] == "Asia/Bangkok" for s in deployment["schedules"])


@pytest.mark.parametrize(
    "day",
    [
        next(d for d, name in sorted(holidays.Thailand(years=2026).items()) if "Constitution" in name or d.month == 12),
        date(2026, 11, 29),  # a Sunday
        date(2027, 1, 1),  # New Year's Day
    ],
)
def test_daily_times_hold_on_holidays_and_weekends(day: date) -> None:
    for name, hhmm in DAILY.items():
        run = _daily_run(name, day)
        assert (run.date(), f"{run:%H:%M}") == (day, hhmm), name


def test_another_time_zones_daylight_saving_change_does_not_move_bangkok_times() -> None:
    # The night the United States leaves daylight saving (1 Nov 2026, 02:00 in New York).
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 11, 1, 0, 0, tzinfo=new_york)
    runs = next_runs(BY_NAME["crawl-overnight"]["schedules"][0], start.astimezone(UTC), n=3)
    assert [f"{r.astimezone(BANGKOK):%H:%M}" for r in runs] == ["00:30", "00:30", "00:30"]
    assert runs[1] - runs[0] == timedelta(days=1) == runs[2] - runs[1]


def test_urgent_watch_keeps_the_15_minute_promise_around_the_clock() -> None:
    start = datetime(2026, 12, 5, 1, 58, tzinfo=BANGKOK)  # a holiday, at night
    runs = next_runs(BY_NAME["watch-urgent"]["schedules"][0], start.astimezone(UTC), n=12)
    gaps = {b - a for a, b in itertools.pairwise(runs)}
    assert gaps == {timedelta(minutes=5)}


def test_monthly_report_on_the_first_at_eight() -> None:
    run = next_runs(BY_NAME["monthly-report"]["schedules"][0], datetime(2026, 12, 15, tzinfo=UTC))[0]
    assert run.astimezone(BANGKOK) == datetime(2027, 1, 1, 8, 0, tzinfo=BANGKOK)
