"""Saved models: skops files (no pickle) in ``classify/models/`` with a JSON metadata file each.

Metadata: library versions, training-data digests, date, evaluation scores, data notes. Loading checks
the library versions against the running ones and refuses a mismatch with a message saying what to do,
and loads only object types from scikit-learn, NumPy and SciPy.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED

MODEL_DIR = Path(__file__).parent / "models"
# Versions that must match exactly (a different scikit-learn may read the arrays differently), and
# those where the major.minor must match (the tokeniser's word list changes the features).
_EXACT = ("scikit-learn", "skops")
_MINOR = ("numpy", "scipy", "pythainlp", "nlpo3")
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")
TRAFFY_LICENCE_NOTE = (
    "Traffy Fondue complaints (the data sets' traffy/ sample): licence NOT stated upstream "
    "(no LICENSE in the source repositories); research/test data of unclear licence."
)


class ModelError(RuntimeError):
    """A model file is missing, unreadable, or was saved with other library versions."""


def library_versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for name in (*_EXACT, *_MINOR):
        try:
            out[name] = version(name)
        except Exception:  # pragma: no cover
            out[name] = "absent"
    from classify.text import TOKENIZER_ENGINE

    out["tokenizer"] = TOKENIZER_ENGINE
    return out


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(name: str, obj: Any, meta: dict[str, Any], directory: Path | None = None) -> Path:
    import skops.io as sio

    directory = directory or MODEL_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.skops"
    tmp = path.with_suffix(".skops.tmp")
    sio.dump(obj, tmp, compression=ZIP_DEFLATED, compresslevel=6)
    tmp.replace(path)
    full = {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "file_sha256": file_digest(path),
        **meta,
    }
    (directory / f"{name}.meta.json").write_text(
        json.dumps(full, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return path


def read_meta(name: str, directory: Path | None = None) -> dict[str, Any]:
    path = (directory or MODEL_DIR) / f"{name}.meta.json"
    if not path.exists():
        raise ModelError(f"model {name!r}: {path} is missing; run `bkkwatch train` to build it")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def check_versions(name: str, saved: dict[str, str]) -> None:
    running = library_versions()
    problems: list[str] = []
    for lib in _EXACT:
        if saved.get(lib) != running.get(lib):
            problems.append(f"{lib} {saved.get(lib)} (saved) vs {running.get(lib)} (installed)")
    for lib in _MINOR:
        a, b = str(saved.get(lib, "")).split("."), str(running.get(lib, "")).split(".")
        if a[:2] != b[:2]:
            problems.append(f"{lib} {saved.get(lib)} (saved) vs {running.get(lib)} (installed)")
    if saved.get("tokenizer") != running.get("tokenizer"):
        problems.append(f"tokenizer {saved.get('tokenizer')} (saved) vs {running.get('tokenizer')} (running)")
    if problems:
        raise ModelError(
            f"model {name!r} was saved with other library versions: {'; '.join(problems)}. "
            "Install the versions in requirements.lock (`make install`) or rebuild the models with "
            "`bkkwatch train`."
        )


def load(name: str, directory: Path | None = None) -> tuple[Any, dict[str, Any]]:
    import skops.io as sio

    directory = directory or MODEL_DIR
    meta = read_meta(name, directory)
    check_versions(name, meta.get("versions", {}))
    path = directory / f"{name}.skops"
    if not path.exists():
        raise ModelError(f"model {name!r}: {path} is missing; run `bkkwatch train` to build it")
    if meta.get("file_sha256") and file_digest(path) != meta["file_sha256"]:
        raise ModelError(f"model {name!r}: {path} does not match the digest in its metadata; rebuild it")
    untrusted = sio.get_untrusted_types(file=path)
    strange = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if strange:
        raise ModelError(f"model {name!r}: {path} holds types outside scikit-learn/NumPy/SciPy: {strange}")
    try:
        return sio.load(path, trusted=untrusted), meta
    except Exception as exc:  # a damaged file
        raise ModelError(f"model {name!r}: {path} cannot be read ({exc.__class__.__name__}: {exc})") from exc
