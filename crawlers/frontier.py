"""An optional shared frontier on Redis, so several worker processes split one source's crawl.

Every worker reads the source's start documents (feeds, sitemaps: cheap) and pushes the article
addresses it finds; a Redis set keeps each address once, a Redis list hands them out. Workers take
batches from the list when they have nothing else to do, and stop when the list is empty and no
worker is still reading start documents. Keys (``bkkwatch:frontier:<source>:<run>:*``) expire after
a day.

    bkkwatch crawl --source NAME --workers 3 --redis redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

EXPIRE_SECONDS = 24 * 3600


class RedisFrontier:
    def __init__(self, url: str, key: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self.key = key
        self.queue, self.seen, self.producers = f"{key}:queue", f"{key}:seen", f"{key}:producers"

    def _touch(self, pipe: Any) -> None:
        for name in (self.queue, self.seen, self.producers):
            pipe.expire(name, EXPIRE_SECONDS)

    def start_producing(self) -> None:
        with self.redis.pipeline() as pipe:
            pipe.incr(self.producers)
            self._touch(pipe)
            pipe.execute()

    def done_producing(self) -> None:
        self.redis.decr(self.producers)

    def producing(self) -> bool:
        return int(self.redis.get(self.producers) or 0) > 0

    def push(self, entries: list[dict[str, Any]]) -> int:
        """Queue the entries whose URL no worker has queued before; returns how many were new."""
        if not entries:
            return 0
        with self.redis.pipeline() as pipe:
            for entry in entries:
                pipe.sadd(self.seen, entry["url"])
            added = pipe.execute()
        fresh = [e for e, new in zip(entries, added, strict=True) if new]
        if fresh:
            with self.redis.pipeline() as pipe:
                pipe.rpush(self.queue, *[json.dumps(e, ensure_ascii=False, default=_iso) for e in fresh])
                self._touch(pipe)
                pipe.execute()
        return len(fresh)

    def pop(self, count: int) -> list[dict[str, Any]]:
        raw = self.redis.lpop(self.queue, count) or []
        return [json.loads(item) for item in raw]  # type: ignore[arg-type]

    def clear(self) -> None:
        self.redis.delete(self.queue, self.seen, self.producers)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
