"""policy_violation_identification: does the agent's resolution of a case depart from the issue's solution article?

Every issue has a solution article (kind "solution"): the evidence the agent must obtain before
the fix ("Before you <fix>, always ask the customer for <evidence>."), and the remedies it rules
out ("Do not offer <a> or <b> for this issue."). The generator's `_facts` kind `case_violation`
holds the truth for every case with emails or a chat: the solution article's Id when the agent
fixed the case without the evidence or offered a ruled-out remedy, else null (about 77 % of
instances are None, as in CRMArena-Pro).

Reference: the case and its issue, the issue's solution article found by SOSL on the issue name,
the agent's messages (emails from the owner's address, chat lines of "Agent ...") per
conversation. A breach is a ruled-out remedy named by the agent, or the fix announced by the agent
(an agent message with every content word of the article's fix) before any agent message that asks
for the evidence. All detectors agree with the gold on every case of the scale-1 orgs of both
presets (the tests check every case), so sampling needs no restriction.
"""

from __future__ import annotations

import random
import re

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

_BEFORE = (
    re.compile(r"Before you (.+?), always ask the customer for (.+?)\."),
    re.compile(r"Never (.+?) until the customer has sent (.+?); ask for it first\."),
)
_NOT = (
    (re.compile(r"Do not offer (.+?) for this issue\."), " or "),
    (re.compile(r"(?:^|(?<=\. ))([A-Z][^.]+?) are not part of this resolution and must not be offered\."), " and "),
)
_STOP = {"that", "this", "with", "from", "your", "their", "into", "then", "the", "for", "and"}


def parse_solution(body: str) -> tuple[str, str, list[str]]:
    """(fix, evidence, ruled-out remedies) as a solution article's text states them."""
    fix = evidence = None
    for pattern in _BEFORE:
        m = pattern.search(body)
        if m:
            fix, evidence = m.group(1), m.group(2)
            break
    forbidden: list[str] = []
    for pattern, sep in _NOT:
        m = pattern.search(body)
        if m:
            items = m.group(1).split(sep)
            forbidden = [x[:1].lower() + x[1:] for x in items]
            break
    if fix is None or not forbidden:
        raise ValueError("the solution article states no evidence-before-fix rule or no ruled-out remedies")
    return fix, evidence, forbidden


def fix_words(fix: str) -> set[str]:
    """The content words of the fix, without its verb: what an agent's report of the fix must mention."""
    words = re.findall(r"[a-z0-9]+", fix.lower())[1:]
    return {w for w in words if len(w) > 3 and w not in _STOP}


def breaches(conversations: list[list[str]], fix: str, evidence: str, forbidden: list[str]) -> list[str]:
    """How the agent's messages (per conversation, in order) depart from the solution article."""
    found: list[str] = []
    texts = [t for conv in conversations for t in conv]
    if any(f.lower() in t.lower() for t in texts for f in forbidden):
        found.append("forbidden")
    need = fix_words(fix)
    for conv in conversations:
        asked = False
        for t in conv:
            low = t.lower()
            if evidence.lower() in low:
                asked = True
            elif need and need <= set(re.findall(r"[a-z0-9]+", low)) and not asked:
                found.append("skip")
                break
    return found


def case_conversations(run: Runner, case_id: str, agent_email: str | None) -> list[list[str]]:
    """The agent's messages of a case, one list per conversation (the email thread, each chat)."""
    mails = run(f"SELECT FromAddress, TextBody, MessageDate FROM EmailMessage WHERE ParentId = '{case_id}' "
                "ORDER BY MessageDate")["records"]
    chats = run(f"SELECT Body FROM LiveChatTranscript WHERE CaseId = '{case_id}'")["records"]
    conversations = [[m["TextBody"] or "" for m in mails if m["FromAddress"] == agent_email]]
    for c in chats:
        lines = [re.match(r"^\[[^\]]+\] Agent [^:]+: (.*)$", line) for line in (c["Body"] or "").splitlines()]
        conversations.append([m[1] for m in lines if m])
    return conversations


@register
class PolicyViolationIdentification(Family):
    code = "policy_violation_identification"
    templates = (
        "Did the agent on case {case} handle the resolution the way our knowledge article for that issue says?",
        "Review case {case} ({subject}): did our support agent depart from the solution article for the issue?",
        "Any policy violations in case {case}?",
        "Please audit the emails and chat transcript of case {case} against the knowledge article that covers its issue.",
        "QA review: did the rep handling {case} resolve it the way our knowledge base prescribes?",
        "I'm doing quality checks on support conversations. Case {case}: did the agent break the resolution guidance?",
        "Check whether our agent stayed within the knowledge-base guidance on case {case}.",
        "hey, can you look over case {case} and tell me if the agent broke any policy",
        "A customer complained about how case {case} was handled. Did the agent's resolution contradict our knowledge article?",
        "Was there a compliance issue in the agent's replies on case \"{subject}\" ({case})?",
        "Did the agent skip a required step or offer something they shouldn't have on case {case}?",
        "For case {case}, identify the knowledge article the agent's handling violated, if there is one.",
        "Case {case} is up for review — did the agent say anything that goes against our knowledge base?",
        "Go through the communication history on case {case} and tell me whether the agent breached a policy.",
    )

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        facts = ctx.facts("case_violation")
        pool = sorted(cid for cid, f in facts.items() if (f is None) == want_none)
        if not pool:
            raise Resample
        case = rng.choice(pool)
        subject = ctx.sql('SELECT Subject FROM "Case" WHERE Id = ?', (case,))[0]["Subject"]
        text, template = self.phrase(rng, case=case, subject=subject)
        query = f"{text} {self.return_only('if the agent followed it')}"
        required = (
            f"{ctx.today_sentence()} Read what the service agent wrote to the customer in the case's emails "
            "(EmailMessage linked by ParentId) and live chat transcripts (LiveChatTranscript linked by CaseId), and "
            "compare the agent's resolution with the knowledge article (Knowledge__kav) that describes how cases of the "
            "case's issue (Case.IssueId__c) are resolved. If the agent departed from it, answer with that article's Id; "
            "otherwise answer None."
        )
        return Params({"case": case}, query, required, template, facts={"case": case, "subject": subject})

    def solve(self, ctx: Context, params: Params) -> list:
        fact = ctx.facts("case_violation").get(params.values["case"])
        return [fact["article"]] if fact else [None]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        case_id = params.values["case"]
        case = run(f"SELECT Id, IssueId__c, Owner.Email FROM Case WHERE Id = '{case_id}'")["records"][0]
        issue = run(f"SELECT Name FROM Issue__c WHERE Id = '{case['IssueId__c']}'")["records"][0]["Name"]
        words = " AND ".join(w for w in re.findall(r"[A-Za-z0-9]+", issue) if len(w) > 2 and w.lower() not in ("and", "not"))
        found = run(f"FIND {{{words}}} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title, FAQ_Answer__c)")["searchRecords"]
        article = next(a for a in found if issue in a["Title"] and "must not be offered" in (a["FAQ_Answer__c"] or "")
                       or issue in a["Title"] and "for this issue." in (a["FAQ_Answer__c"] or ""))
        fix, evidence, forbidden = parse_solution(article["FAQ_Answer__c"])
        conversations = case_conversations(run, case_id, (case.get("Owner") or {}).get("Email"))
        kinds = breaches(conversations, fix, evidence, forbidden)
        if len(kinds) > 1:
            raise ValueError(f"case {case_id}: several breaches detected: {kinds}")
        return [article["Id"]] if kinds else [None]
