"""The memory facade: retrieve a guideline for a task, count outcomes, write back, add with dedupe.

`Memory` joins a `Store` (the file), an `Embedder` and an `ExactIndex` kept in sync with the file:
other processes' commits are noticed through `PRAGMA data_version` and only new rows are loaded,
unless a stored vector changed (then the index is rebuilt). One `Memory` per process; its methods
are safe to call from several threads (the eval runner's local executor).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from crmweaver.memory.abstract import compose_key
from crmweaver.memory.distill import Guideline, Trajectory, llm_distill, rule_distill, trajectories, trajectory
from crmweaver.memory.embed import Embedder, default_embedder_spec, make_embedder, normalise, spec_for
from crmweaver.memory.index import ExactIndex
from crmweaver.memory.store import Item, MemoryStoreError, Store

WritePolicy = Literal["off", "success", "llm"]
WRITE_POLICIES = ("off", "success", "llm")
# a hit below this cosine is "nothing matches"; lexical vectors score lower than sentence embeddings
DEFAULT_THRESHOLD = {"lexical": 0.3, "sentence-transformers": 0.45}
FALLBACK_THRESHOLD = 0.45
DEDUPE_THRESHOLD = 0.92


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    task_type: str | None
    score: float
    body: str

    def public(self) -> dict[str, Any]:
        """The JSON form of `memory search`: id, title, task_type, score."""
        return {"id": self.id, "title": self.title, "task_type": self.task_type, "score": round(self.score, 4)}

    @property
    def text(self) -> str:
        """What goes under the prompt's guideline heading."""
        return f"{self.title}\n{self.body}"


def default_threshold(model_id: str) -> float:
    for prefix, value in DEFAULT_THRESHOLD.items():
        if model_id.startswith(prefix):
            return value
    return FALLBACK_THRESHOLD


class Memory:
    """A guideline memory on one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        embedder: Embedder | str | None = None,
        threshold: float | None = None,
        k: int = 1,
        write_policy: WritePolicy = "off",
        distiller=None,  # a Backend, for write_policy="llm"
        success_at: float = 1.0,
        dedupe_threshold: float = DEDUPE_THRESHOLD,
        create: bool = True,
        base_url: str | None = None,
        use_context: bool = True,
    ):
        if write_policy not in WRITE_POLICIES:
            raise ValueError(f"unknown write policy {write_policy!r}; use one of: {', '.join(WRITE_POLICIES)}")
        if write_policy == "llm" and distiller is None:
            raise ValueError("write policy 'llm' needs a distiller backend (e.g. --distill-model openai:MODEL)")
        self.store = Store(path, create=create)
        bound = self.store.embedder()
        if embedder is None or isinstance(embedder, str):
            spec = embedder or (spec_for(bound[0]) if bound else default_embedder_spec())
            embedder = make_embedder(spec, base_url=base_url)
        self.embedder = embedder
        if bound:  # refuse a file written with another model before anything is compared
            self.store.bind_embedder(embedder.model_id, embedder.dim)
        self.threshold = default_threshold(embedder.model_id) if threshold is None else threshold
        self.k = k
        self.use_context = use_context  # guideline_for adds the task's context to its request
        self.write_policy = write_policy
        self.distiller = distiller
        self.success_at = success_at
        self.dedupe_threshold = dedupe_threshold
        self._lock = threading.RLock()
        self._index: ExactIndex | None = None
        self._last_rowid = 0
        self._generation = -1
        self._data_version = -1
        self._dirty = True

    # --- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- embedding and the index -------------------------------------------------------------

    def embed_key(self, key_text: str) -> np.ndarray:
        """An item's vector: the normalised mean of its key phrasings (one per line)."""
        lines = [line for line in key_text.split("\n") if line.strip()] or [key_text]
        return normalise(self.embedder.embed(lines).mean(axis=0, keepdims=True))[0]

    def embed_query(self, query: str, context: str = "") -> np.ndarray:
        return self.embedder.embed([compose_key(query, context)])[0]

    def _sync(self) -> ExactIndex:
        """Bring the in-memory index up to date with the file (cheap when nothing changed)."""
        with self._lock:
            version = self.store.data_version()
            if self._index is not None and not self._dirty and version == self._data_version:
                return self._index
            generation = self.store.vector_generation()
            if self._index is None or generation != self._generation:
                self._index, self._last_rowid = ExactIndex(self.embedder.dim), 0
                self._generation = generation
            self._last_rowid, ids, matrix = self.store.vectors(self._last_rowid)
            if ids:
                self._index.add(ids, matrix)
            self._data_version, self._dirty = version, False
            return self._index

    # --- retrieval ---------------------------------------------------------------------------

    def retrieve(self, query: str, k: int | None = None, threshold: float | None = None, context: str = "") -> list[Hit]:
        """The top-k items above the threshold for a request (and its task context), best first."""
        return self.retrieve_vector(self.embed_query(query, context), k, threshold)

    def retrieve_vector(self, vector: np.ndarray, k: int | None = None, threshold: float | None = None) -> list[Hit]:
        threshold = self.threshold if threshold is None else threshold
        found = [(i, s) for i, s in self._sync().search(vector, k or self.k) if s >= threshold]
        items = self.store.get_many([i for i, _ in found])
        return [Hit(i, items[i].title, items[i].task_type, s, items[i].body) for i, s in found if i in items]

    def guideline_for(self, task) -> tuple[str, str] | None:
        """The eval runner's hook: (item id, guideline text) of the best match, or None."""
        hits = self.retrieve(task.query, k=1, context=task.metadata.required if self.use_context else "")
        return (hits[0].id, hits[0].text) if hits else None

    # --- outcomes and write-back -------------------------------------------------------------

    def record_outcome(self, item_ids: list[str], reward: float) -> None:
        """After an episode: each shown item was helpful (reward >= success_at) or harmful."""
        if item_ids:
            ok = reward >= self.success_at
            self.store.record(list(item_ids), helpful=int(ok), harmful=int(not ok))

    def after_episode(self, record: dict[str, Any]) -> str | None:
        """Counters for the items shown (record["memory"]), then write-back when nothing matched.

        `record` is a results record (reward, messages, task type, model, key). Returns the id of a
        written item, or None."""
        shown = list(record.get("memory") or [])
        reward = float(record.get("reward") or 0.0)
        self.record_outcome(shown, reward)
        if shown or self.write_policy == "off" or record.get("infra_error"):
            return None
        traj = trajectory(record)
        if traj is None:
            return None
        if self.write_policy == "success":
            if reward < self.success_at:
                return None
            guidelines = rule_distill([traj], success_at=self.success_at)
        else:
            guidelines = llm_distill([traj], self.distiller)
        ids = [self.add(g)[0] for g in guidelines]
        return ids[0] if ids else None

    # --- writing -----------------------------------------------------------------------------

    def add(self, g: Guideline) -> tuple[str, str]:
        """Store a guideline unless a near-duplicate exists. Returns (id, "added" | "merged" | "same")."""
        self.store.bind_embedder(self.embedder.model_id, self.embedder.dim)
        vector = self.embed_key(g.key_text)
        same = self.store.has_content(g.task_type, g.body)
        if same is not None:
            self.store.merge(same, provenance=g.provenance, support=g.support, key_variants=g.key_variants, embed_key=self.embed_key)
            self._dirty = True
            return same, "same"
        twin = self._near_duplicate(g, vector)
        if twin is not None:
            self.store.merge(twin, provenance=g.provenance, support=g.support, key_variants=g.key_variants, embed_key=self.embed_key)
            self._dirty = True
            return twin, "merged"
        item_id, created = self.store.add(title=g.title, body=g.body, key_text=g.key_text, embedding=vector, task_type=g.task_type,
                                          skill=g.skill, provenance=g.provenance, support=g.support)
        if not created:
            self.store.merge(item_id, key_variants=g.key_variants, embed_key=self.embed_key, support=0)
        self._dirty = True
        return item_id, "added" if created else "same"

    def _near_duplicate(self, g: Guideline, vector: np.ndarray) -> str | None:
        """An item of the same task type whose key and body are both >= dedupe_threshold similar."""
        candidates = [(i, s) for i, s in self._sync().search(vector, 8) if s >= self.dedupe_threshold]
        if not candidates:
            return None
        items = self.store.get_many([i for i, _ in candidates])
        same_type = [items[i] for i, _ in candidates if i in items and items[i].task_type == g.task_type]
        if not same_type:
            return None
        bodies = self.embedder.embed([g.body] + [it.body for it in same_type])
        sims = bodies[1:] @ bodies[0]
        best = int(np.argmax(sims))
        return same_type[best].id if sims[best] >= self.dedupe_threshold else None

    def add_all(self, guidelines: list[Guideline]) -> dict[str, int]:
        counts = {"added": 0, "merged": 0, "same": 0}
        for g in guidelines:
            counts[self.add(g)[1]] += 1
        return counts

    # --- reading -----------------------------------------------------------------------------

    def get(self, item_id: str) -> Item:
        item = self.store.get(item_id)
        if item is None:
            matches = self.store.find_prefix(item_id)
            if len(matches) == 1:
                item = self.store.get(matches[0])
            elif len(matches) > 1:
                raise MemoryStoreError(f"{item_id!r} matches {len(matches)} items ({', '.join(matches[:5])}…); give more characters")
        if item is None:
            raise MemoryStoreError(f"no item {item_id!r} in {self.store.path}; list them with: crmweaver memory export {self.store.path}")
        return item

    def __len__(self) -> int:
        return self.store.count()


def build_memory(
    records: list[dict[str, Any]],
    out: str | Path,
    *,
    distiller: Literal["rule", "llm"] = "rule",
    backend=None,
    embedder: Embedder | str | None = None,
    success_at: float = 1.0,
) -> tuple[Memory, dict[str, int], list[Trajectory]]:
    """Distil results records into the memory at `out` (created or extended)."""
    trajs = trajectories(records)
    memory = Memory(out, embedder=embedder, success_at=success_at)
    if distiller == "rule":
        guidelines = rule_distill(trajs, success_at=success_at)
    else:
        if backend is None:
            raise ValueError("the llm distiller needs a model: pass --model SPEC")
        guidelines = llm_distill(trajs, backend)
    return memory, memory.add_all(guidelines), trajs
