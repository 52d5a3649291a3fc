"""``bkkwatch stories``: group JSON Lines documents into stories and mark duplicates (no database)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

STORIES_HELP = """Group documents into stories and mark near-duplicates, in memory (no database).

Input: JSON Lines with `id` and `text`, optional `title`, `url`, `published` (ISO time; naive =
Bangkok time), `lat`/`lon`, `district`, `type`. Output: one line per valid input line, in input
order: `id`, `story_id`, `duplicate_of` (the earlier near-identical document, or null),
`recurrence_of` (an earlier story about the same matter, or null). A malformed line is reported on
stderr with its line number and skipped; the exit status is then 2."""


def _read(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, record or None, problem) for each non-blank line."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"not JSON ({exc.msg})"
                continue
            if not isinstance(record, dict):
                yield number, None, "not a JSON object"
            elif record.get("id") in (None, "") or not isinstance(record.get("id"), str | int):
                yield number, None, "no 'id'"
            elif not isinstance(record.get("text", ""), str) or not isinstance(record.get("title", ""), str):
                yield number, None, "'text' and 'title' must be strings"
            elif not (record.get("text") or record.get("title")):
                yield number, None, "no 'text'"
            else:
                yield number, record, ""


def _report(record: dict[str, Any]) -> Any:
    from classify.clustering import Report, parse_published
    from classify.dedup import fix_latlon
    from classify.places import gazetteer
    from crawlers.urls import canonical_url

    text, title = str(record.get("text") or ""), str(record.get("title") or "")
    places = gazetteer().find(f"{title}\n{text}").district_names
    url = record.get("url")
    tags = record.get("type") or []
    return Report(
        key=record["id"],
        text=text,
        title=title,
        when=parse_published(record.get("published")),
        canonical_url=canonical_url(url) if isinstance(url, str) and url.startswith("http") else None,
        point=fix_latlon(record.get("lat"), record.get("lon")),
        district=str(record["district"]) if record.get("district") else None,
        places=places,
        tags=[str(t) for t in tags] if isinstance(tags, list) else [],
    )


def register(app: typer.Typer) -> None:
    @app.command(help=STORIES_HELP)
    def stories(
        input_path: Annotated[Path, typer.Option("--input", help="JSON Lines documents")],
        output_path: Annotated[Path, typer.Option("--output", help="where to write the JSON Lines result")],
        index: Annotated[
            Path | None, typer.Option(help="story index file to continue from and save to (incremental runs)")
        ] = None,
    ) -> None:
        from bkkwatch.cli import err, fail
        from classify.clustering import StoryClusterer

        if not input_path.is_file():
            fail(f"--input {input_path}: no such file")
        clusterer = StoryClusterer()
        if index is not None and index.is_file():
            try:
                clusterer = StoryClusterer.load(index)
            except Exception as exc:
                fail(f"--index {index}: cannot read it ({exc.__class__.__name__}: {exc})")
        bad = 0
        rows: list[dict[str, Any]] = []
        seen: set[Any] = set()
        for number, record, problem in _read(input_path):
            if record is None:
                err.print(f"bkkwatch stories: {input_path}:{number}: {problem}; line skipped", markup=False)
                bad += 1
                continue
            if record["id"] in seen:
                err.print(
                    f"bkkwatch stories: {input_path}:{number}: id {record['id']!r} repeats an earlier "
                    f"line; line skipped",
                    markup=False,
                )
                bad += 1
                continue
            seen.add(record["id"])
            placed = clusterer.add(_report(record))
            rows.append(
                {
                    "id": record["id"],
                    "story_id": placed.story,
                    "duplicate_of": placed.duplicate_of,
                    "recurrence_of": placed.recurrence_of,
                }
            )
        tmp = output_path.with_name(output_path.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            tmp.replace(output_path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            fail(f"--output {output_path}: {exc.strerror or exc}")
        if index is not None:
            clusterer.save(index)
        n_stories = len({r["story_id"] for r in rows})
        n_dups = sum(1 for r in rows if r["duplicate_of"] is not None)
        err.print(
            f"stories: {len(rows)} documents, {n_stories} stories, {n_dups} duplicates"
            + (f", {bad} malformed lines skipped" if bad else ""),
            markup=False,
        )
        if bad:
            raise typer.Exit(2)
