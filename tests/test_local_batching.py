"""The local backend's fast path on the bundled SmolLM2-135M: the lean decoder against transformers'
forward, batched against unbatched generation, bfloat16 against float32, prefix reuse.

Generation is capped at a few dozen tokens; the model loads once per process.
"""

from __future__ import annotations

import threading

import pytest

from bundled_model import require_bundled_model
from crmweaver.agent.backend import InfraError

require_bundled_model()

import torch  # noqa: E402

from crmweaver.agent.batching import BatchEngine, Request  # noqa: E402
from crmweaver.agent.chat_ids import encode_chat  # noqa: E402
from crmweaver.agent.decoder import Decoder  # noqa: E402
from crmweaver.agent.local import LocalBackend, load_model  # noqa: E402

pytestmark = pytest.mark.slow  # runs the bundled model

CHATS = [
    [{"role": "system", "content": "You answer with one word."}, {"role": "user", "content": "What colour is the sky on a clear day?"}],
    [{"role": "user", "content": "Write a SOQL query that counts cases."}],
    [{"role": "user", "content": "Name three fruits."}],
    [{"role": "user", "content": "Explain what a CRM is in two sentences, then list two CRM objects."}],
]


@pytest.fixture(scope="module")
def lm():
    return load_model(LocalBackend().path)


def _prompt(lm, chat):
    return encode_chat(lm.tokenizer, chat)


def _run_threads(fns):
    out = [None] * len(fns)

    def run(i):
        out[i] = fns[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_decoder_matches_transformers_with_padding(lm):
    """Float32 logits equal transformers' forward, also for a row padded on the left of the batch."""
    ids = _prompt(lm, CHATS[0])
    S = len(ids)
    with torch.inference_mode():
        full = lm.model(input_ids=torch.tensor([ids])).logits[0, -1]
        short = lm.model(input_ids=torch.tensor([ids[:-5]])).logits[0, -1]
        dec = Decoder(lm.model, torch.float32)
        keys, values = dec.new_kv(2, S)
        x = torch.zeros(2, S, dtype=torch.long)
        pos = torch.zeros(2, S, dtype=torch.long)
        valid = torch.ones(2, S, dtype=torch.bool)
        x[0], pos[0] = torch.tensor(ids), torch.arange(S)
        x[1, 5:], pos[1, 5:], valid[1, :5] = torch.tensor(ids[:-5]), torch.arange(S - 5), False
        mask = (torch.ones(S, S, dtype=torch.bool).tril()[None] & valid[:, None]) | torch.eye(S, dtype=torch.bool)[None]
        out = dec.forward(x, pos, keys, values, 0, mask)
    scale = full.abs().max()
    assert torch.isfinite(out).all()
    assert (out[0] - full).abs().max() < 1e-4 * scale
    assert (out[1] - short).abs().max() < 1e-4 * scale


@pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="a PyTorch build without oneDNN keeps plain weights")
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_decoder_prepacks_its_weights_and_computes_the_same(lm, dtype, monkeypatch):
    """On a CPU the decoder's matmul weights are prepacked for oneDNN, and its logits are those of
    the same decoder with plain weights (bfloat16: exactly; float32: up to summation order)."""
    from crmweaver.agent import decoder as decoder_module

    packed = Decoder(lm.model, dtype)
    monkeypatch.setattr(decoder_module, "_packer", lambda device, dt: lambda t: t)
    plain = Decoder(lm.model, dtype)
    assert packed.layers[0].gate_up.is_mkldnn and not plain.layers[0].gate_up.is_mkldnn
    ids = _prompt(lm, CHATS[1])
    S = len(ids)
    mask = torch.ones(S, S, dtype=torch.bool).tril()[None]
    with torch.inference_mode():
        a = packed.forward(torch.tensor([ids]), torch.arange(S)[None], *packed.new_kv(1, S + 1), 0, mask)
        b = plain.forward(torch.tensor([ids]), torch.arange(S)[None], *plain.new_kv(1, S + 1), 0, mask)
        step = torch.ones(1, 1, S + 1, dtype=torch.bool)  # one decode step (the small-query path)
        nxt = torch.tensor([[int(a.argmax())]])
        a2 = packed.forward(nxt, torch.tensor([[S]]), *packed.new_kv(1, S + 1), S, step)
        b2 = plain.forward(nxt, torch.tensor([[S]]), *plain.new_kv(1, S + 1), S, step)
    tolerance = 0.0 if dtype == torch.bfloat16 else 1e-4 * b.abs().max()
    assert (a - b).abs().max() <= tolerance and (a2 - b2).abs().max() <= tolerance


def test_engine_greedy_equals_transformers_generate():
    """Float32: the batch engine and transformers' generate pick the same tokens."""
    for chat in CHATS[:3]:
        ours = LocalBackend(max_new_tokens=24, dtype="float32", prefix_cache=False).generate(chat)
        theirs = LocalBackend(max_new_tokens=24, dtype="float32", batching=False, prefix_cache=False).generate(chat)
        assert ours.extra["completion_ids"] == theirs.extra["completion_ids"]
        assert ours.extra["finish_reason"] == theirs.extra["finish_reason"]


NEAR_TIE = 0.25  # logits: bfloat16 rounding moves them by up to ~0.1 when the batch around a row changes


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_batched_equals_unbatched_greedy(lm, dtype):
    """Concurrent callers share forwards (rows of different lengths, joining mid-decode) and each
    gets the tokens it gets alone. Float32: exactly. Bfloat16: the same tokens up to the first step
    where the best two logits lie within rounding noise of each other (a near-tie: which one wins
    depends on the last bit, and the last bit on the batch's shape) — never a divergence elsewhere."""
    alone = [LocalBackend(max_new_tokens=24, dtype=dtype, prefix_cache=False).generate(c).extra["completion_ids"] for c in CHATS]
    engine = lm.generator(dtype).engine
    engine.stats["max_rows"], before = 0, engine.stats["steps"]
    together = _run_threads([lambda c=c: LocalBackend(max_new_tokens=24, dtype=dtype).generate(c).extra["completion_ids"] for c in CHATS])
    assert engine.stats["max_rows"] >= 2
    assert engine.stats["steps"] - before < sum(len(x) for x in together)  # fewer forwards than tokens: they were shared
    if dtype == "float32":
        assert together == alone
        return
    decoder = Decoder(lm.model, torch.bfloat16)
    for chat, a, b in zip(CHATS, alone, together):
        if a == b:
            continue
        at = next(i for i in range(min(len(a), len(b))) if a[i] != b[i])
        top = _forced_log_probs(decoder, _prompt(lm, chat), a[: at + 1])[at].topk(2).values
        assert top[0] - top[1] < NEAR_TIE, f"diverged at token {at} with a margin of {float(top[0] - top[1]):.3f}"


def test_sampling_does_not_depend_on_batch_company(lm):
    """A sampled request draws from its own generator: the same seed gives the same tokens alone or
    in a batch with others (float32, where batch composition changes no probability beyond rounding)."""
    gen = lm.generator("float32")
    prompt = _prompt(lm, CHATS[3])

    def sample(seed):
        return gen.generate(prompt, max_new=20, temperature=1.0, top_p=0.95, seed=seed, reuse=False)

    alone = sample(7)
    together = _run_threads([lambda: sample(7), lambda: sample(8), lambda: gen.generate(_prompt(lm, CHATS[1]), max_new=20)])
    assert together[0] == alone
    assert together[1] != alone  # another seed, another draw


def test_bfloat16_log_probs_agree_with_float32(lm):
    """Teacher-forced on float32's greedy tokens, bfloat16 weights (float32 LM head) give nearly the
    same distribution. Tolerances: bfloat16 keeps 8 mantissa bits (relative rounding 2^-9); through
    30 layers that moves logits by up to ~0.3 but mostly in common, so chosen-token log-probs move
    by ~0.01 nats on average (measured 0.011-0.017, worst 0.11) and the total variation per step
    stays under 0.04. The bounds below leave ~3x headroom; RL's clip at ratio 1.28 is exp(0.25)."""
    f32, b16 = Decoder(lm.model, torch.float32), Decoder(lm.model, torch.bfloat16)
    for chat in CHATS:
        prompt = _prompt(lm, chat)
        tokens = LocalBackend(max_new_tokens=32, dtype="float32", prefix_cache=False).generate(chat).extra["completion_ids"]
        a, b = _forced_log_probs(f32, prompt, tokens), _forced_log_probs(b16, prompt, tokens)
        chosen = torch.tensor(tokens)[:, None]
        diff = (a.gather(1, chosen) - b.gather(1, chosen)).abs()
        tv = 0.5 * (a.exp() - b.exp()).abs().sum(-1)
        assert diff.mean() < 0.05 and diff.max() < 0.3, (diff.mean(), diff.max())
        assert tv.max() < 0.1


def _forced_log_probs(decoder, prompt, tokens):
    S = len(prompt)
    keys, values = decoder.new_kv(1, S + len(tokens))
    out = []
    with torch.inference_mode():
        logits = decoder.forward(torch.tensor([prompt]), torch.arange(S)[None], keys, values, 0, torch.ones(S, S, dtype=torch.bool).tril()[None])
        for j, t in enumerate(tokens):
            out.append(logits[0].log_softmax(-1))
            logits = decoder.forward(torch.tensor([[t]]), torch.tensor([[S + j]]), keys, values, S + j, torch.ones(1, 1, S + j + 1, dtype=torch.bool))
    return torch.stack(out)


def test_prefix_reuse_is_exact_and_shared_prefix_runs_once(lm):
    """Turn 2 starts from turn 1's stored keys/values (same tokens as cold); G identical prompts
    arriving together compute their prompt once."""
    engine = BatchEngine(Decoder(lm.model, torch.float32), cache_tokens=8192)
    stop = lm.generator("float32").stops
    first = Request(_prompt(lm, CHATS[0]), 16, stop=stop)
    engine.generate(first)
    chat2 = CHATS[0] + [{"role": "assistant", "content": lm.tokenizer.decode(first.completion, skip_special_tokens=True)},
                        {"role": "user", "content": "And at night?"}]
    warm = Request(_prompt(lm, chat2), 16, stop=stop)
    engine.generate(warm)
    cold = Request(_prompt(lm, chat2), 16, stop=stop, reuse=False)
    engine.generate(cold)
    assert warm.reused >= len(first.prompt) and cold.reused == 0
    assert warm.completion == cold.completion

    engine.store.clear()
    prompt = _prompt(lm, CHATS[3])
    before = engine.stats["prefill_tokens"]
    group = [Request(prompt, 8, temperature=1.0, seed=i, stop=stop) for i in range(4)]
    engine.window_s = 0.5  # let all four arrive before the first forward
    _run_threads([lambda r=r: engine.generate(r) for r in group])
    assert engine.stats["prefill_tokens"] - before == len(prompt) + 4  # once, then one token each for its logits
    assert len({tuple(r.completion) for r in group}) > 1  # four seeds, not one sample copied


def test_engine_survives_a_failed_forward(lm):
    engine = BatchEngine(Decoder(lm.model, torch.float32))
    prompt = _prompt(lm, CHATS[2])
    good = engine.generate(Request(prompt, 6))

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    engine.decoder.forward = boom
    with pytest.raises(RuntimeError, match="boom"):
        engine.generate(Request(prompt, 6, reuse=False))
    del engine.decoder.forward
    assert engine.generate(Request(prompt, 6, reuse=False)) == good


def test_dtype_option():
    assert LocalBackend(dtype="float32").dtype == "float32"
    with pytest.raises(InfraError, match="use bfloat16 or float32"):
        LocalBackend(dtype="float16")


def test_eval_threads_share_the_model(b2b_org_path, tmp_path, lm):
    """`crmweaver eval --concurrency 3` with the local model: the runner's threads, unchanged, are
    batched by the engine, and the records equal a one-thread run's (float32 greedy)."""
    import json

    from crmweaver.env.episode import EnvConfig
    from crmweaver.evaluate.runner import EvalConfig, evaluate
    from crmweaver.org.store import open_org
    from crmweaver.tasks.synth import synthesize

    with open_org(b2b_org_path) as org:
        tasks = synthesize(org, per_type=1, seed=0, types=["handle_time", "top_issue_identification", "case_routing"])
    config = EnvConfig(max_turns=1, schema="task")
    engine = lm.generator("float32").engine
    runs = {}
    for threads in (1, 3):
        engine.stats["max_rows"] = 0
        out = tmp_path / f"c{threads}"
        evaluate(b2b_org_path, tasks, lambda: LocalBackend(max_new_tokens=12, dtype="float32"), EvalConfig(concurrency=threads, env=config), out_dir=out)
        records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        runs[threads] = {r["key"]: (r["response"], r["messages"], r["completion_tokens"]) for r in records}
        rows = engine.stats["max_rows"]
    assert rows >= 2  # the three threads' episodes shared forwards
    assert runs[3] == runs[1] and len(runs[1]) == 3


def test_bfloat16_head_refines_its_best_tokens_in_float32(lm):
    """Under bfloat16 weights the LM head runs in bfloat16 and its REFINED best tokens per row are
    scored again in float32: their logits equal the float32 head's on the same hidden state (the
    greedy choice with them), the rest stay within bfloat16 rounding."""
    from crmweaver.agent.decoder import REFINED

    fast, exact = Decoder(lm.model, torch.bfloat16), Decoder(lm.model, torch.bfloat16)
    exact.head_low = None  # the float32 head over the whole vocabulary
    prompts = [_prompt(lm, c) for c in CHATS[:2]]
    S = max(len(p) for p in prompts)
    ids = torch.zeros(2, S, dtype=torch.long)
    valid = torch.zeros(2, S, dtype=torch.bool)
    for i, p in enumerate(prompts):
        ids[i, S - len(p):], valid[i, S - len(p):] = torch.tensor(p), True
    pos = (valid.cumsum(1) - 1).clamp(min=0)
    mask = (torch.ones(S, S, dtype=torch.bool).tril()[None] & valid[:, None]) | torch.eye(S, dtype=torch.bool)[None]
    with torch.inference_mode():
        a = fast.forward(ids, pos, *fast.new_kv(2, S), 0, mask)
        b = exact.forward(ids, pos, *exact.new_kv(2, S), 0, mask)
    best = b.topk(REFINED // 2, dim=-1).indices
    assert torch.allclose(a.gather(1, best), b.gather(1, best), atol=1e-4)
    assert torch.equal(a.argmax(-1), b.argmax(-1))
    assert (a - b).abs().max() < 0.02 * b.abs().max()


def test_the_waiting_thread_runs_the_forwards(lm):
    """Inside `serving()`, callers in other threads only queue: every forward runs on the thread that
    waits in `wait_serving` (the eval harness's main thread), and each caller gets its tokens alone."""
    from concurrent.futures import ALL_COMPLETED, ThreadPoolExecutor

    from crmweaver.agent.batching import serving, wait_serving

    engine = BatchEngine(Decoder(lm.model, torch.float32))
    prompts = [_prompt(lm, c) for c in CHATS]
    alone = [engine.generate(Request(p, 8, reuse=False)) for p in prompts]
    threads = []
    forward = engine.decoder.forward

    def recorded(*args):
        threads.append(threading.get_ident())
        return forward(*args)

    engine.decoder.forward = recorded
    with ThreadPoolExecutor(max_workers=4) as pool, serving():
        futures = [pool.submit(engine.generate, Request(p, 8, reuse=False)) for p in prompts]
        wait_serving(futures, ALL_COMPLETED)
    assert [f.result() for f in futures] == alone
    assert set(threads) == {threading.get_ident()}
    threads.clear()
    assert _run_threads([lambda p=p: engine.generate(Request(p, 8, reuse=False)) for p in prompts]) == alone
    assert threading.get_ident() not in threads  # with no lead, a waiting caller drives


def test_callers_drive_again_when_the_lead_leaves(lm):
    """A lead that stops waiting (an interrupted eval) must not strand requests it queued for."""
    from crmweaver.agent.batching import serving

    engine = BatchEngine(Decoder(lm.model, torch.float32))
    prompt = _prompt(lm, CHATS[2])
    alone = engine.generate(Request(prompt, 6, reuse=False))
    out = []
    with serving():
        caller = threading.Thread(target=lambda: out.append(engine.generate(Request(prompt, 6, reuse=False))))
        caller.start()
        caller.join(0.3)
        assert caller.is_alive() and not out  # queued, waiting for a lead that never serves
    caller.join(30)
    assert out == [alone]
