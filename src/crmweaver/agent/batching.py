"""One model, many callers: concurrent generate() calls share one forward per token.

Callers (eval threads, the G rollouts of an RL group) block in `BatchEngine.generate` and run a
continuous batch: requests that arrive while it decodes join at the next token (their prompts are
prefilled together, then merged into the batch), finished sequences leave, and each sequence keeps
its own stop rule, token budget and random generator — so a sequence's tokens do not depend on what
else shares its batch (greedy: up to float rounding, tested).

Which thread runs the forwards: one waiting caller at a time, or — better — the thread that waits
for all of them, through `wait_serving` (the eval harness's and RL's thread pools use it). On a
machine with few cores that should be the main thread: PyTorch's OpenMP throttles the spin-wait of
a second thread's team once more threads are managed than there are cores, and a batch-8 decode
step of SmolLM2-135M took about 65 ms in another thread against 48 in the main one (2 Zen 5 cores).

The batch shares one time axis. Each sequence occupies the right end of it with holes (padding)
where it is shorter; the attention mask hides the holes and every sequence has its own positions.
A padding query attends to itself only, so no softmax row is empty (an empty row is NaN).

Prefix reuse: a finished sequence's keys and values stay in a small store (least recently used
out first, bounded in tokens). A new prompt starts from the longest stored prefix — the episode's
own previous turn, or another episode's system prompt — and when several new prompts share a
prefix longer than what is stored (the G copies of an RL task), that prefix is computed once.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

POLL_S = 0.01  # how long a driving thread waits for new requests before it looks again (its futures done)
MIN_SHARED_PREFIX = 32  # a prefix shared by new prompts is computed once when it saves this many tokens


@dataclass
class Request:
    """One generation: prompt ids in, completion ids out (the stop token or tag included)."""

    prompt: list[int]
    max_new: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: Callable[[list[int]], bool] | None = None  # True once the completion so far should end
    reuse: bool = True  # start from and leave behind stored keys/values
    completion: list[int] = field(default_factory=list)
    reused: int = 0  # prompt tokens whose keys/values came from the store
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)  # done, or its caller should drive now

    def finish(self) -> None:
        self.done.set()
        self.wake.set()


@dataclass(eq=False)  # identity: entries hold tensors
class _Entry:
    ids: Any  # 1-D long tensor
    keys: Any  # (layers, kv_heads, n, head_dim)
    values: Any


class PrefixStore:
    """Keys and values of past sequences, looked up by longest common prefix."""

    def __init__(self, max_tokens: int):
        self.max_tokens = max_tokens
        self.entries: list[_Entry] = []  # least recently used first

    def __len__(self) -> int:
        return sum(len(e.ids) for e in self.entries)

    def match(self, prompt: Any) -> tuple[_Entry | None, int]:
        best, best_n = None, 0
        for e in self.entries:
            n = _common_prefix(e.ids, prompt)
            if n > best_n:
                best, best_n = e, n
        if best is not None:
            self.entries.remove(best)
            self.entries.append(best)
        return best, best_n

    def put(self, entry: _Entry) -> None:
        if len(entry.ids) > self.max_tokens:
            return
        self.entries.append(entry)
        while len(self) > self.max_tokens:
            self.entries.pop(0)

    def discard(self, entry: _Entry) -> None:
        if entry in self.entries:
            self.entries.remove(entry)

    def clear(self) -> None:
        self.entries.clear()


@dataclass
class _Row:
    req: Request
    prompt: Any  # 1-D long tensor
    n: int  # tokens whose keys/values are in the batch (its next position)
    generator: Any
    last: int = 0
    finished: bool = False


_ENGINES: weakref.WeakSet[BatchEngine] = weakref.WeakSet()
_LEADS = [0]  # threads inside `serving()`: while there is one, callers only wait
_LEADS_LOCK = threading.Lock()


@contextmanager
def serving() -> Iterator[None]:
    """Within it, the calling thread runs every local model's forwards whenever it waits in
    `wait_serving`, and the threads that generate only queue their requests and wait. Enter it
    before starting them: a thread that once ran PyTorch's parallel work slows the main thread's
    for as long as it lives (OpenMP's throttling above)."""
    with _LEADS_LOCK:
        _LEADS[0] += 1
    try:
        yield
    finally:
        with _LEADS_LOCK:
            _LEADS[0] -= 1
            last = _LEADS[0] == 0
        if last:
            for e in list(_ENGINES):
                e.wake_all()


def wait_serving(fs: Collection[Future], return_when: str = FIRST_COMPLETED) -> tuple[set[Future], set[Future]]:
    """`concurrent.futures.wait`, running the forwards of the local models its futures generate with."""

    def finished() -> bool:
        n = sum(f.done() for f in fs)
        return n == len(fs) if return_when == ALL_COMPLETED else n > 0 or not fs

    with serving():
        while not finished():
            busy = [e for e in list(_ENGINES) if e.has_work()]
            if not busy:
                wait(fs, timeout=POLL_S, return_when=return_when)
            for e in busy:
                e.serve_once(0.0)
    done = {f for f in fs if f.done()}
    return done, set(fs) - done


class BatchEngine:
    """Continuous batching over a `decoder.Decoder`; `generate` is safe to call from any thread."""

    def __init__(self, decoder: Any, *, max_batch: int = 16, window_s: float = 0.005,
                 cache_tokens: int = 32768, prefill_chunk: int = 512):
        if max_batch < 1 or prefill_chunk < 1:
            raise ValueError("max_batch and prefill_chunk must be at least 1")
        self.decoder = decoder
        self.max_batch, self.window_s, self.prefill_chunk = max_batch, window_s, prefill_chunk
        self.store = PrefixStore(cache_tokens)
        self.stats = {"batches": 0, "steps": 0, "max_rows": 0, "prefill_tokens": 0, "reused_tokens": 0}
        _ENGINES.add(self)
        self._cond = threading.Condition()
        self._queue: list[Request] = []
        self._drive = threading.Lock()  # held by the caller that drives the batch
        self._drive_turn = threading.Lock()  # held while a turn runs (a caller's or a lead's)
        self._busy = False
        self._rows: list[_Row] = []
        self._keys = self._values = self._valid = None
        self._T = 0  # used columns of the shared time axis

    # --- callers -------------------------------------------------------------------------------

    def generate(self, req: Request) -> list[int]:
        """Block until `req` is done; returns its completion ids (raises what the forward raised).
        While it waits, the calling thread runs the batch's forwards unless another thread does."""
        if not req.prompt:
            raise ValueError("an empty prompt")
        if req.max_new < 1:
            req.finish()
            return []
        with self._cond:
            self._queue.append(req)
            self._cond.notify_all()
        self._serve(req)
        if req.error is not None:
            raise req.error
        return req.completion

    def reload(self, decoder: Any) -> None:
        """New weights: wait for the work in flight, then forget every stored prefix."""
        with self._cond:
            while self._busy or self._queue or self._rows:
                self._cond.wait(0.05)
            self.decoder = decoder
            self.store.clear()

    # --- who runs the forwards ------------------------------------------------------------------

    def _serve(self, req: Request) -> None:
        """A caller's wait: drive the batch until `req` is done, unless a lead (`serving`) or another
        caller drives; a caller that stops driving with work left wakes one that waits."""
        while not req.done.is_set():
            if _LEADS[0] or not self._drive.acquire(blocking=False):
                req.wake.wait()
                req.wake.clear()
                continue
            try:
                while not req.done.is_set() and not _LEADS[0]:
                    self.serve_once(POLL_S)
            finally:
                self._drive.release()
                self._wake(everyone=False)

    def wake_all(self) -> None:
        self._wake(everyone=True)

    def _wake(self, everyone: bool) -> None:
        """Wake the callers of unfinished requests (or one of them) to drive, when no lead does."""
        if _LEADS[0]:
            return
        with self._cond:
            waiting = [r for r in [row.req for row in self._rows] + self._queue if not r.done.is_set()]
        for r in waiting if everyone else waiting[:1]:
            r.wake.set()

    def has_work(self) -> bool:
        return bool(self._queue or self._rows)

    def serve_once(self, wait_s: float) -> None:
        """One turn of the batch: admit what is queued (waiting up to `wait_s` when there is nothing),
        then one decode step. Callers hold `_drive` (or are the lead), so one thread runs it at a time."""
        import torch

        with self._drive_turn, torch.inference_mode():
            new = self._take(wait_s)
            try:
                if new:
                    self._admit(new)
                if self._rows:
                    self._step()
            except BaseException as e:  # a failed forward fails this batch, not the engine
                for req in [r.req for r in self._rows] + new:
                    if not req.done.is_set():
                        req.error = e
                        req.finish()
                self._rows, self._keys, self._values, self._valid, self._T = [], None, None, None, 0
                if not isinstance(e, Exception):
                    raise  # KeyboardInterrupt: the batch is failed cleanly, the interrupt goes on
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _take(self, wait_s: float) -> list[Request]:
        """New requests to admit: when idle, wait up to `wait_s` for one, then `window_s` for company."""
        with self._cond:
            if not self._rows:
                if not self._queue:
                    self._cond.wait(wait_s)
                if self._queue:
                    end = time.monotonic() + self.window_s
                    while len(self._queue) < self.max_batch and (left := end - time.monotonic()) > 0:
                        self._cond.wait(left)
            room = self.max_batch - len(self._rows)
            new, self._queue = self._queue[:room], self._queue[room:]
            self._busy = bool(new or self._rows)
            return new

    def _admit(self, reqs: list[Request]) -> None:
        import torch

        prompts = [torch.tensor(r.prompt, dtype=torch.long) for r in reqs]
        shared = [p for p, r in zip(prompts, reqs) if r.reuse]
        if len(shared) > 1:
            n = min(_common_prefix(shared[0], p) for p in shared[1:])
            entry, k = self.store.match(shared[0][:n])
            if n - k >= MIN_SHARED_PREFIX:  # computed once, then found in the store below
                self._prefill([shared[0][:n]], [True], [(entry, min(k, n - 1))])
        matches = [self.store.match(p) if r.reuse else (None, 0) for p, r in zip(prompts, reqs)]
        for (entry, n), p in zip(matches, prompts):
            if entry is not None and n == len(entry.ids):
                self.store.discard(entry)  # this prompt extends it; its own entry will replace it
        keep = [min(n, len(p) - 1) for (_, n), p in zip(matches, prompts)]
        for r, k in zip(reqs, keep):
            r.reused = k
        room = max(r.max_new for r in reqs) + 1 if not self._rows else 0  # alone: decode in the prefill's buffers
        logits, keys, values, valid = self._prefill(prompts, [False] * len(reqs), [(e, k) for (e, _), k in zip(matches, keep)], room)
        rows = [_Row(r, p, len(p), _generator(r)) for r, p in zip(reqs, prompts)]
        self._merge(rows, keys, values, valid, valid.shape[1] - room)
        self._emit(rows, logits)

    def _prefill(self, prompts: list[Any], store_all: list[bool], starts: list[tuple[Any, int]] | None = None, room: int = 0):
        """Run prompts (from their stored prefixes) as one padded batch, in chunks; returns the last
        logits and the batch's buffers (with `room` more columns). `store_all`: keep that sequence
        whole in the store."""
        import torch

        starts = starts or [(None, 0)] * len(prompts)
        N = len(prompts)
        C = max(k for _, k in starts)
        S = max(len(p) - k for p, (_, k) in zip(prompts, starts))
        dev = self.decoder.device
        keys, values = self.decoder.new_kv(N, C + S + room)
        valid = torch.zeros(N, C + S + room, dtype=torch.bool, device=dev)
        ids = torch.zeros(N, S, dtype=torch.long, device=dev)
        pos = torch.zeros(N, S, dtype=torch.long, device=dev)
        for i, (p, (entry, k)) in enumerate(zip(prompts, starts)):
            if k:
                keys[:, i, :, C - k:C] = entry.keys[:, :, :k]
                values[:, i, :, C - k:C] = entry.values[:, :, :k]
                valid[i, C - k:C] = True
            s = len(p) - k
            ids[i, S - s:] = p[k:]
            pos[i, S - s:] = torch.arange(k, len(p), device=dev)
            valid[i, C + S - s:C + S] = True
        logits = None
        for a in range(0, S, self.prefill_chunk):
            b = min(S, a + self.prefill_chunk)
            q = torch.arange(C + a, C + b, device=dev)[:, None]
            k_cols = torch.arange(C + b, device=dev)[None, :]
            mask = ((k_cols <= q)[None] & valid[:, None, :C + b]) | (k_cols == q)[None]
            logits = self.decoder.forward(ids[:, a:b], pos[:, a:b], keys, values, C + a, mask)
        self.stats["prefill_tokens"] += int(sum(len(p) - k for p, (_, k) in zip(prompts, starts)))
        self.stats["reused_tokens"] += int(sum(k for _, k in starts))
        for i, whole in enumerate(store_all):
            if whole:
                self.store.put(_Entry(prompts[i].clone(), keys[:, i, :, :C + S].clone(), values[:, i, :, :C + S].clone()))
        return logits, keys, values, valid

    def _merge(self, rows: list[_Row], keys: Any, values: Any, valid: Any, used: int) -> None:
        """Join prefilled rows to the running batch, both right-aligned on a common time axis with
        room for every row's remaining tokens (with no batch running, the rows' buffers are it)."""
        import torch

        old = self._rows
        self.stats["batches"] += 1
        if not old:
            self._rows, self._keys, self._values, self._valid, self._T = rows, keys, values, valid, used
            self.stats["max_rows"] = max(self.stats["max_rows"], len(rows))
            return
        T = max(self._T, used)
        room = max(r.req.max_new - len(r.req.completion) for r in old + rows)
        cap = T + room + 1
        K, V = self.decoder.new_kv(len(old) + len(rows), cap)
        mask = torch.zeros(len(old) + len(rows), cap, dtype=torch.bool, device=self.decoder.device)
        K[:, :len(old), :, T - self._T:T] = self._keys[:, :, :, :self._T]
        V[:, :len(old), :, T - self._T:T] = self._values[:, :, :, :self._T]
        mask[:len(old), T - self._T:T] = self._valid[:, :self._T]
        K[:, len(old):, :, T - used:T] = keys[:, :, :, :used]
        V[:, len(old):, :, T - used:T] = values[:, :, :, :used]
        mask[len(old):, T - used:T] = valid[:, :used]
        self._rows, self._keys, self._values, self._valid, self._T = old + rows, K, V, mask, T
        self.stats["max_rows"] = max(self.stats["max_rows"], len(self._rows))

    def _step(self) -> None:
        import torch

        rows, T = self._rows, self._T
        if T >= self._keys.shape[3]:
            raise RuntimeError("the batch ran out of room (a row outlived its token budget)")
        ids = torch.tensor([[r.last] for r in rows], dtype=torch.long, device=self.decoder.device)
        pos = torch.tensor([[r.n] for r in rows], dtype=torch.long, device=self.decoder.device)
        self._valid[:, T] = True
        logits = self.decoder.forward(ids, pos, self._keys, self._values, T, self._valid[:, None, :T + 1])
        self._T += 1
        for r in rows:
            r.n += 1
        self.stats["steps"] += 1
        self._emit(rows, logits)

    def _emit(self, rows: list[_Row], logits: Any) -> None:
        """Choose each row's next token, then retire the rows that are done."""
        greedy = logits.argmax(-1).tolist()
        for i, r in enumerate(rows):
            tok = greedy[i] if r.req.temperature <= 0 else _sample(logits[i], r.req.temperature, r.req.top_p, r.generator)
            r.req.completion.append(tok)
            r.last = tok
            done = len(r.req.completion) >= r.req.max_new or (r.req.stop is not None and r.req.stop(r.req.completion))
            r.finished = done
        if any(r.finished for r in self._rows):
            self._retire()

    def _retire(self) -> None:
        import torch

        alive = [i for i, r in enumerate(self._rows) if not r.finished]
        for i, r in enumerate(self._rows):
            if r.finished:
                if r.req.reuse:
                    cols = self._valid[i, :self._T].nonzero().squeeze(1)
                    seq = torch.cat([r.prompt, torch.tensor(r.req.completion[:-1], dtype=torch.long)])
                    if len(cols) == len(seq):
                        self.store.put(_Entry(seq, self._keys[:, i][:, :, cols], self._values[:, i][:, :, cols]))
                r.req.finish()
        if not alive:
            self._rows, self._keys, self._values, self._valid, self._T = [], None, None, None, 0
            return
        index = torch.tensor(alive, dtype=torch.long, device=self.decoder.device)
        valid = self._valid.index_select(0, index)
        used = valid[:, :self._T].any(0).nonzero()
        first = int(used[0]) if len(used) else self._T  # columns no row uses any more are dropped
        self._keys = self._keys.index_select(1, index)[:, :, :, first:].contiguous()  # decode reads whole rows
        self._values = self._values.index_select(1, index)[:, :, :, first:].contiguous()
        self._valid = valid[:, first:]
        self._T -= first
        self._rows = [self._rows[i] for i in alive]


def _generator(req: Request) -> Any:
    import torch

    if req.temperature <= 0:
        return None
    g = torch.Generator()
    g.manual_seed(int(req.seed) & 0xFFFF_FFFF_FFFF)
    return g


def _sample(logits: Any, temperature: float, top_p: float, generator: Any) -> int:
    """Temperature, then nucleus (top-p) filtering as transformers does it, then one draw."""
    import torch

    scores = logits.float() / temperature
    if top_p < 1.0:
        sorted_scores, order = torch.sort(scores)
        cumulative = sorted_scores.softmax(-1).cumsum(-1)
        remove = cumulative <= (1 - top_p)
        remove[-1] = False
        scores = scores.scatter(0, order, sorted_scores.masked_fill(remove, float("-inf")))
    probs = scores.softmax(-1).cpu()  # the generator lives on the CPU
    return int(torch.multinomial(probs, 1, generator=generator))


def _common_prefix(a: Any, b: Any) -> int:
    n = min(len(a), len(b))
    if n == 0:
        return 0
    diff = (a[:n] != b[:n]).nonzero()
    return int(diff[0]) if len(diff) else n
