"""Nearest-neighbour search over item embeddings.

`ExactIndex` is a brute-force cosine top-k over one contiguous float32 matrix: at 10^5 items of
384 dims that is one matrix-vector product over 150 MB (milliseconds), enough here. The
`Index` protocol is what an ANN library (hnswlib, faiss) would implement to replace it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Index(Protocol):
    dim: int

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        """Append items (vectors already L2-normalised); an id added again replaces its vector."""
        ...

    def search(self, vector: np.ndarray, k: int = 1) -> list[tuple[str, float]]:
        """The k most similar ids with their cosine similarity, best first."""
        ...

    def __len__(self) -> int: ...


class ExactIndex:
    """Exact cosine top-k: a growable matrix, amortised O(1) appends, argpartition for top-k."""

    def __init__(self, dim: int):
        self.dim = dim
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._n = 0
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}

    def __len__(self) -> int:
        return self._n

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        fresh: list[int] = []
        for i, item_id in enumerate(ids):
            pos = self._pos.get(item_id)
            if pos is not None:
                self._matrix[pos] = vectors[i]
            else:
                fresh.append(i)
        if not fresh:
            return
        need = self._n + len(fresh)
        if need > self._matrix.shape[0]:
            grown = np.zeros((max(need, 2 * self._matrix.shape[0], 64), self.dim), dtype=np.float32)
            grown[: self._n] = self._matrix[: self._n]
            self._matrix = grown
        for i in fresh:
            self._pos[ids[i]] = self._n
            self._ids.append(ids[i])
            self._matrix[self._n] = vectors[i]
            self._n += 1

    def search(self, vector: np.ndarray, k: int = 1) -> list[tuple[str, float]]:
        if self._n == 0 or k <= 0:
            return []
        scores = self._matrix[: self._n] @ np.asarray(vector, dtype=np.float32).reshape(self.dim)
        k = min(k, self._n)
        if k < self._n:
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(self._n)
        # ties broken by insertion order, so equal scores give the same answer every run
        top = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        return [(self._ids[i], float(scores[i])) for i in top]
