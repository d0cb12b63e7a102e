"""Serialised Task JSON kept by (task id, version), for the aggregators' poll.

Aggregators ask list-by-condition for the same tasks every few seconds, and most of them
have not changed since the last ask. Every change of a task raises its version (the store's
optimistic check), so (id, version) names one immutable snapshot, also across instances
sharing a database: the poll reads only the versions, and decodes, converts and serialises
only the tasks whose snapshot it has not seen. Profiles of list-by-condition showed that
work (rows to tasks, tasks to wire dicts, JSON) as nearly all of its cost.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from mjproxy.api.schemas import task_json
from mjproxy.services.queries import TaskQueries

DEFAULT_SIZE = 20_000  # snapshots of ~1–3 KB: some tens of MB at most


class TaskJsonCache:
    """A bounded LRU of task JSON by (id, version)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int], bytes] = OrderedDict()

    async def json_array(self, queries: TaskQueries, task_ids: Sequence[str]) -> bytes:
        """The JSON array of the known tasks among `task_ids`, in the order asked, each once."""
        wanted = list(dict.fromkeys(task_ids))
        versions = await queries.versions(wanted)
        found: dict[str, bytes] = {}
        missing = []
        for task_id in wanted:
            version = versions.get(task_id)
            if version is None:
                continue
            body = self._items.get((task_id, version))
            if body is None:
                missing.append(task_id)
            else:
                self._items.move_to_end((task_id, version))
                found[task_id] = body
        if missing:
            for task in await queries.get_many(missing):
                found[task.id] = self._keep((task.id, task.version), task_json(task).encode())
        return b"[" + b",".join(found[t] for t in wanted if t in found) + b"]"

    def _keep(self, key: tuple[str, int], body: bytes) -> bytes:
        self._items[key] = body
        while len(self._items) > self._size:
            self._items.popitem(last=False)
        return body

    def __len__(self) -> int:
        return len(self._items)
