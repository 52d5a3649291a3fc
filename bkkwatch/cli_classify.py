"""Commands of the classify stage: ``score``, ``train`` and ``eval``."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from bkkwatch.cli import UserError, err, fail, out

NO_DATA_DIR = "no data sets given: pass --data-dir DIR or set BKKWATCH_DATA_DIR (`make eval` passes DATA_DIR)"


def _data_dir(value: Path | None) -> Path | None:
    from classify.train import default_data_dir

    return value if value is not None else default_data_dir()


def read_score_input(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Valid input objects in order, and one readable message per malformed line."""
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}: line {number}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{path}: line {number}: expected a JSON object")
                continue
            if obj.get("id") in (None, "") or not isinstance(obj.get("text"), str):
                problems.append(f"{path}: line {number}: needs an 'id' and a 'text' string")
                continue
            bad = [
                k
                for k in ("title", "url", "source", "published", "district")
                if obj.get(k) is not None and not isinstance(obj[k], str)
            ]
            engagement = obj.get("engagement")
            if engagement is not None and not isinstance(engagement, dict):
                bad.append("engagement")
            for k in ("lat", "lon"):
                if obj.get(k) is not None and (isinstance(obj[k], bool) or not isinstance(obj[k], int | float)):
                    bad.append(k)
            if bad:
                problems.append(f"{path}: line {number}: wrong type for {', '.join(bad)}")
                continue
            items.append(obj)
    return items, problems


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        input: Annotated[
            Path,
            typer.Option(
                "--input",
                "-i",
                help="JSON Lines: id, text, optional title, url, source, published, district, lat, lon, engagement",
            ),
        ],
        output: Annotated[Path, typer.Option("--output", "-o", help="JSON Lines, one line per valid input line")],
        rules: Annotated[bool, typer.Option(help="Use the first rule scorer instead of the trained models")] = False,
    ) -> None:
        """Score documents: Bangkok relevance, sentiment, image impact, level, urgency, agencies, places."""
        items, problems = read_score_input(input)
        scorer = _scorer(rules)
        started = time.perf_counter()
        if rules:
            results = [
                scorer.score(
                    str(it["text"]),
                    str(it.get("title") or ""),
                    it.get("engagement") or {},
                    it.get("source"),
                    it.get("district"),
                )
                for it in items
            ]
        else:
            results = scorer.score_many(items)
        tmp = output.with_name(output.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8") as fh:
                for item, result in zip(items, results, strict=True):
                    row = {"id": item["id"], **result.as_dict()}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            os.replace(tmp, output)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            fail(f"{output}: cannot write ({exc.strerror or exc})")
        err.print(
            f"scored {len(results)} documents in {time.perf_counter() - started:.2f} s "
            f"({getattr(scorer, 'model_version', 'rules')}) -> {output}",
            markup=False,
        )
        for line in problems:
            err.print(f"bkkwatch: {line}", markup=False)
        if problems:
            raise typer.Exit(2)

    @app.command()
    def train(
        data_dir: Annotated[
            Path | None,
            typer.Option(
                help="The public data sets: traffy/, wisesight_sentiment/, news_th/ (default $BKKWATCH_DATA_DIR)"
            ),
        ] = None,
        db: Annotated[bool, typer.Option(help="Also learn from the working group's decisions in the database")] = True,
        model_dir: Annotated[
            Path | None, typer.Option(help="Where to write the models (default classify/models)")
        ] = None,
    ) -> None:
        """Rebuild the classify models from the data sets and the working group's decisions."""
        from classify.modelstore import ModelError
        from classify.train import train_all

        directory = _data_dir(data_dir)
        if directory is None or not directory.is_dir():
            where = NO_DATA_DIR if directory is None else f"data directory {directory} not found"
            err.print(
                f"bkkwatch: {where}: only the working group's decisions and the development set can be used",
                markup=False,
            )
        decisions: list[dict[str, Any]] = []
        if db:
            decisions = _decisions()
            out.print(f"decisions from the database: {len(decisions)} documents")
        try:
            report = train_all(
                directory if directory is not None and directory.is_dir() else None,
                decisions,
                out_dir=model_dir,
                say=out.print,
            )
        except ModelError as exc:
            fail(str(exc))
        out.print(
            f"trained: {', '.join(report['trained']) or 'nothing'}; kept as shipped: "
            f"{', '.join(report['kept']) or 'none'}"
        )
        if report["missing"]:
            out.print("missing data sets: " + "; ".join(report["missing"]))
        for name, value in (report.get("evaluation") or {}).items():
            out.print(f"  {name}: {value:.4g}")

    @app.command("eval")
    def evaluate(
        data_dir: Annotated[
            Path | None,
            typer.Option(
                help="The public data sets: traffy/, wisesight_sentiment/, news_th/ (default $BKKWATCH_DATA_DIR)"
            ),
        ] = None,
        baseline: Annotated[
            Path | None, typer.Option(help="Floors and pinned digests (default classify/baseline.yaml)")
        ] = None,
    ) -> None:
        """The evaluation gate: scores on fixed sets against the floors in the baseline file (exit 1 if
        below)."""
        from classify.evaluate import format_table, run_gate
        from classify.modelstore import ModelError

        directory = _data_dir(data_dir)
        if directory is None:
            fail(NO_DATA_DIR)
        if not directory.is_dir():
            fail(f"data directory {directory} not found (pass --data-dir)")
        try:
            rows, problems = run_gate(directory, baseline, say=lambda s: err.print(s, markup=False))
        except ModelError as exc:
            fail(str(exc))
        except FileNotFoundError as exc:
            fail(f"{exc.filename}: not found")
        out.print(format_table(rows), markup=False)
        below = [r for r in rows if not r.ok]
        for line in problems:
            err.print(f"bkkwatch: {line}", markup=False)
        if below or problems:
            err.print(
                f"bkkwatch: evaluation gate FAILED ({len(below)} below floor, {len(problems)} set problems)",
                markup=False,
            )
            raise typer.Exit(1)
        out.print("evaluation gate: ok")


def _scorer(rules: bool) -> Any:
    if rules:
        from classify.rules import default_scorer

        return default_scorer()
    from classify.modelstore import ModelError
    from classify.scorer import default_model_scorer

    try:
        return default_model_scorer()
    except ModelError as exc:
        raise UserError(str(exc)) from exc


def _decisions() -> list[dict[str, Any]]:
    from bkkwatch.cli import _ready
    from storage.db import session_scope
    from storage.decisions import decided_documents

    url = _ready()
    with session_scope(url) as session:
        return decided_documents(session)


__all__ = ["read_score_input", "register", "sys"]
