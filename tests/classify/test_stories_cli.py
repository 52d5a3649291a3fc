"""``bkkwatch stories --input --output``: the command-line contract, with malformed lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from classify.evaluate_stories import SET_DIR, load_set


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # the installed entry point (``python -m bkkwatch.cli`` would load the CLI module twice)
    bkkwatch = Path(sys.executable).parent / "bkkwatch"
    return subprocess.run([str(bkkwatch), "stories", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_one_line_per_valid_input_in_order_with_duplicates_and_stories(tmp_path: Path) -> None:
    rows = [r for r in load_set(SET_DIR) if r["id"].startswith("traffy:")][:60]
    lines = [
        json.dumps(
            {
                "id": r["id"],
                "text": r["text"],
                "published": r["published"],
                "lat": r.get("lat"),
                "lon": r.get("lon"),
                "district": r.get("district"),
            },
            ensure_ascii=False,
        )
        for r in rows
    ]
    lines.insert(3, "{not json")
    lines.insert(7, json.dumps({"text": "ไม่มีรหัส"}, ensure_ascii=False))
    lines.insert(9, "")
    lines.append(json.dumps({"id": "repost", "text": rows[0]["text"] + " #กทม"}, ensure_ascii=False))
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run("--input", "in.jsonl", "--output", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "in.jsonl:4: not JSON" in done.stderr and "in.jsonl:8: no 'id'" in done.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == [r["id"] for r in rows] + ["repost"]
    assert all(set(o) >= {"id", "story_id", "duplicate_of"} for o in out)
    by_id = {o["id"]: o for o in out}
    assert by_id["repost"]["duplicate_of"] == rows[0]["id"]
    assert by_id["repost"]["story_id"] == by_id[rows[0]["id"]]["story_id"]
    gold = {r["id"]: r["duplicate_of"] for r in rows if r["duplicate_of"] in by_id}
    assert len(gold) >= 5
    found = [
        i
        for i, head in gold.items()
        if by_id[i]["duplicate_of"] is not None and by_id[i]["story_id"] == by_id[head]["story_id"]
    ]
    assert len(found) >= 0.75 * len(gold), (len(found), len(gold))


def test_index_file_continues_across_runs(tmp_path: Path) -> None:
    text = "ไฟส่องถนนหน้ากรมสรรพกรดับเสีย สองเสาต่อเนื่อง ถนนมืดมาก อันตรายต่อคนเดินเท้า"
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "b", "text": text + " !!"}, ensure_ascii=False) + "\n")
    assert run("--input", "a.jsonl", "--output", "a.out", "--index", "idx", cwd=tmp_path).returncode == 0
    assert run("--input", "b.jsonl", "--output", "b.out", "--index", "idx", cwd=tmp_path).returncode == 0
    a = json.loads((tmp_path / "a.out").read_text())
    b = json.loads((tmp_path / "b.out").read_text())
    assert b["duplicate_of"] == "a" and b["story_id"] == a["story_id"]


def test_missing_input_is_one_clear_line(tmp_path: Path) -> None:
    done = run("--input", "nope.jsonl", "--output", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 2 and "nope.jsonl: no such file" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out.jsonl").exists()
