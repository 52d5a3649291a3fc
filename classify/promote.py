"""Model releases: build candidates beside the live models, promote them only through the evaluation
gate, keep every replaced set so that one command puts the previous models back."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from classify.modelstore import MODEL_DIR

DEFAULT_KEEP = Path("var") / "models"


def _model_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".skops", ".json"))


def stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def new_candidate(keep_dir: Path = DEFAULT_KEEP, model_dir: Path = MODEL_DIR) -> Path:
    """A candidate directory that starts as a copy of the live models (a model whose data are missing
    is kept as it is)."""
    candidate = keep_dir / "candidates" / stamp()
    candidate.mkdir(parents=True)
    for path in _model_files(model_dir):
        shutil.copy2(path, candidate / path.name)
    return candidate


def promote(candidate: Path, model_dir: Path = MODEL_DIR, keep_dir: Path = DEFAULT_KEEP) -> Path:
    """Replace the live models with the candidate's; the replaced ones go to keep_dir/previous/<stamp>."""
    backup = keep_dir / "previous" / stamp()
    backup.mkdir(parents=True)
    for path in _model_files(model_dir):
        shutil.copy2(path, backup / path.name)
    for path in _model_files(candidate):
        tmp = model_dir / f".{path.name}.tmp"
        shutil.copy2(path, tmp)
        tmp.replace(model_dir / path.name)  # each file switches at once; loaders check versions anyway
    return backup


def rollback(model_dir: Path = MODEL_DIR, keep_dir: Path = DEFAULT_KEEP) -> Path:
    """Put back the most recently replaced models; returns the set restored."""
    previous = sorted((keep_dir / "previous").glob("*")) if (keep_dir / "previous").exists() else []
    if not previous:
        raise FileNotFoundError(f"no previous models under {keep_dir / 'previous'}")
    latest = previous[-1]
    for path in _model_files(latest):
        tmp = model_dir / f".{path.name}.tmp"
        shutil.copy2(path, tmp)
        tmp.replace(model_dir / path.name)
    shutil.rmtree(latest)
    return latest
