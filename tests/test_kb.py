"""The knowledge base as CRMArena-Pro's: long narrative articles of many shapes, planted facts, solution
articles; knowledge_qa, confidential_company_knowledge and policy_violation_identification on it."""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter

import pytest

from crmweaver.org import kb_b2b, kb_b2c
from crmweaver.org.catalog_kb import catalog
from crmweaver.org.dialogue import RESOLUTION_MODES, resolution_turns
from crmweaver.org.kb_lang import ing, join, third
from crmweaver.org.store import open_org
from crmweaver.scoring.metrics import fuzzy_match
from crmweaver.tasks.families.policy_violation_identification import breaches, fix_words, parse_solution
from crmweaver.tasks.synth import synthesize
from crmweaver.tasks.types import TASK_TYPES

PRESETS = ("b2b", "b2c")
NARRATIVE = ("product", "howto", "story", "insight", "solution")


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", s.lower())).strip()


def _sentences(body: str) -> set[str]:
    return {x.strip() for x in re.split(r"(?<=[.!?])\s+|\n+", body) if len(x.strip()) > 30}


@pytest.fixture(params=PRESETS)
def cat(request):
    return catalog(request.param, 0)


def test_article_lengths_as_the_benchmark(cat):
    lengths = [len(a.body) for a in cat.articles]
    assert statistics.median(lengths) >= 2000
    assert sum(2100 <= n <= 3900 for n in lengths) / len(lengths) >= 0.8
    assert len(cat.articles) == {"b2b": 194, "b2c": 110}[cat.preset]


def test_articles_do_not_read_alike(cat):
    per = [_sentences(a.body) for a in cat.articles]
    counts = Counter(s for ss in per for s in ss)
    shared = [sum(counts[s] > 1 for s in ss) / len(ss) for ss in per]
    assert statistics.mean(shared) <= 0.05 and max(shared) <= 0.3
    openings = [re.split(r"(?<=[.!?])\s", a.body, maxsplit=1)[0] for a in cat.articles]
    assert len(set(openings)) == len(openings)
    kinds = Counter(a.kind for a in cat.articles)
    assert all(kinds[k] >= 5 for k in NARRATIVE) and 5 <= kinds["competitor"] <= 10


def test_no_bant_article_and_stage_guide_kept(cat):
    assert not any(re.search(r"\bBANT\b|qualification criteria", a.title + a.summary, re.I) for a in cat.articles)
    guide = cat.article("Opportunity Stage Activity Guide")
    for stage, acts in cat.stage_activities.items():
        assert f"{stage}: " + "; ".join(acts) + "." in guide.body.splitlines()


def test_facts_are_grounded_paraphrases(cat):
    facts = [(a, f) for a in cat.articles for f in a.facts]
    assert len(facts) >= 1.5 * sum(a.kind in NARRATIVE for a in cat.articles)
    bodies = [_norm(a.body) for a in cat.articles]
    verbatim, overlap = 0, []
    for a, f in facts:
        assert f.evidence in a.body and f.about and f.question.endswith("?"), (a.title, f)
        assert "summary" not in f.answer.lower()
        verbatim += any(_norm(f.answer.rstrip(".")) in b for b in bodies)
        overlap.append(fuzzy_match(f.evidence, [f.answer]))
    assert verbatim / len(facts) <= 0.05
    assert statistics.mean(overlap) >= 0.3  # a reader who quotes the evidence still earns partial credit
    assert any(a.kind == "competitor" and a.facts and a.secrets for a in cat.articles)
    assert any(a.kind == "service_policy" and a.facts and a.secrets for a in cat.articles)


def test_solution_articles_state_their_resolution(cat):
    for a in cat.rules("resolution"):
        p = a.rule.params
        fix, evidence, forbidden = parse_solution(a.body)
        assert (fix, evidence, sorted(forbidden)) == (p["fix"], p["evidence"], sorted(p["forbidden"]))
        assert fix_words(fix) <= set(re.findall(r"[a-z0-9]+", p["fix_done"].lower())), a.title
    for spec in (*kb_b2b.ISSUE_SOLUTIONS.values(), *kb_b2c.ISSUE_SOLUTIONS.values()):
        assert not any(" or " in f or " and " in f for f in spec["forbidden"])


def test_resolution_turns_and_breach_detector():
    art = catalog("b2b", 0).rules("resolution")[0]
    fix, evidence, forbidden = parse_solution(art.body)
    for mode in RESOLUTION_MODES:
        ask, said, done = resolution_turns(random.Random(1), art.rule.params, mode)
        agent = ([ask] if ask else []) + [done]
        expect = {"follow": [], "decline": [], "skip": ["skip"], "forbidden": ["forbidden"]}[mode]
        assert breaches([agent], fix, evidence, forbidden) == expect, mode
    ask, _, done = resolution_turns(random.Random(2), art.rule.params, "follow")
    assert breaches([[done], [ask]], fix, evidence, forbidden) == ["skip"]  # asked in another conversation: too late
    with pytest.raises(ValueError):
        resolution_turns(random.Random(0), art.rule.params, "improvise")


def test_verb_forms():
    assert [third(v) for v in ("tune x", "carry y", "push z", "have it")] == ["tunes x", "carries y", "pushes z", "has it"]
    assert [ing(v) for v in ("tune x", "run y", "tie z", "see it", "floorplan a")] == [
        "tuning x", "running y", "tying z", "seeing it", "floorplanning a"]
    assert join(["a", "b", "c"]) == "a, b and c" and join(["a"]) == "a"


# --- the families on scale-1 orgs --------------------------------------------------------------------


@pytest.fixture(scope="module")
def rows(scale1_orgs):
    out = {}
    for preset in PRESETS:
        org = open_org(scale1_orgs[preset])
        for code in ("knowledge_qa", "confidential_company_knowledge", "policy_violation_identification"):
            out[preset, code] = synthesize(org, per_type=100, seed=0, types=[code])
    return out


@pytest.mark.parametrize("preset", PRESETS)
def test_knowledge_qa_rows(scale1_orgs, rows, preset):
    got = rows[preset, "knowledge_qa"]
    bodies = [_norm(b) for (b,) in open_org(scale1_orgs[preset]).conn.execute("SELECT FAQ_Answer__c FROM Knowledge__kav")]
    assert len({r.query for r in got}) >= 95 and len({r.facts["article"] for r in got}) >= 60
    assert sum(any(_norm(r.answer[0].rstrip(".")) in b for b in bodies) for r in got) <= 5
    cat = catalog(preset, 0)
    kinds = Counter(cat.article(r.facts["article"]).kind for r in got)
    assert len(kinds) >= 6 and kinds["competitor"] + kinds["service_policy"] + kinds["sales_policy"] >= 5
    for r in got:
        assert r.reference.steps[0].startswith("FIND {") and "summary" not in r.metadata.required.lower()
        assert r.metadata.required.startswith("Today's date is ") and r.answer == r.reference.answer


@pytest.mark.parametrize("preset", PRESETS)
def test_knowledge_qa_and_confidential_rows_share_articles(rows, preset):
    qa = {r.facts["article"] for r in rows[preset, "knowledge_qa"]}
    conf = {r.facts["article"] for r in rows[preset, "confidential_company_knowledge"]}
    cat = catalog(preset, 0)
    shared = qa & conf
    assert {cat.article(t).kind for t in shared} & {"competitor", "service_policy"}
    for r in rows[preset, "confidential_company_knowledge"]:
        assert len(r.query) < 130 and "Contact Id 003" in r.metadata.required
        assert not re.search(r"anonymous|not logged in|confidential|internal", r.query + r.metadata.required, re.I)


@pytest.mark.parametrize("preset", PRESETS)
def test_policy_violation_rows(scale1_orgs, rows, preset):
    got = rows[preset, "policy_violation_identification"]
    assert abs(sum(r.answer == [None] for r in got) / 100 - TASK_TYPES["policy_violation_identification"].none_share) <= 0.05
    ctx_conn = open_org(scale1_orgs[preset]).conn
    for r in got:
        assert "Return only" in r.query
        if r.answer != [None]:
            issue, = ctx_conn.execute('SELECT i.Name FROM "Case" c JOIN Issue__c i ON i.Id = c.IssueId__c WHERE c.Id = ?',
                                      (r.facts["case"],)).fetchone()
            title, = ctx_conn.execute("SELECT Title FROM Knowledge__kav WHERE Id = ?", (r.answer[0],)).fetchone()
            assert catalog(preset, 0).article(title).issue == issue
