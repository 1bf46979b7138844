"""Scoring: month, state, stage and BANT extraction on real-looking responses."""

from __future__ import annotations

import pytest

from crmweaver.scoring import exact_match, extract
from crmweaver.scoring.extract import find_states

# (response, expected extraction)
MONTH_CASES = [
    ("March", ["March"]),
    ("march", ["March"]),
    ("MARCH", ["March"]),
    ("Mar", ["March"]),
    ("The month with significantly more cases is **June**.", ["June"]),
    ("Cases peaked in sept.", ["September"]),
    ("Sept", ["September"]),
    ("sep", ["September"]),
    ("Dec.", ["December"]),
    ("The answer is jan", ["January"]),
    ("Yes - October 2024 clearly exceeds every other month.", ["October"]),
    ("May", ["May"]),
    ("may", ["May"]),
    ("May.", ["May"]),
    ("The peak was in may, with 41 cases.", ["May"]),
    ("Cases for the product spiked in May 2024.", ["May"]),
    ("may 2024", ["May"]),
    ("May had 40 cases, far above any other month.", ["May"]),
    ("In May we saw the most cases.", ["May"]),
    ("The month is MAY", ["May"]),
    # "may" as a modal verb is not a month
    ("It may be February.", ["February"]),
    ("May I suggest July? It had 30 cases.", ["July"]),
    ("This may indicate a seasonal trend; the peak month is August.", ["August"]),
    ("There may be no clear peak.", [None]),
    ("I may have missed something, but April stands out.", ["April"]),
    ("The counts may vary.", [None]),
    # several months: every month named is extracted (the official prompt: "extract all of them")
    ("January: 10 cases, February: 12 cases, March: 31 cases.\nMarch clearly exceeds every other month.", ["January", "February", "March"]),
    ("Counts: Jan 4, Feb 5, Mar 19. Answer: March", ["January", "February", "March"]),
    ("Compared with April and June, the month with more cases is May.", ["April", "June", "May"]),
    ("Either May or June.", ["May", "June"]),
    ("The month of May stood out with 52 cases versus an average of 20 in April and June.", ["May", "April", "June"]),
    # None
    ("No month stands out.", [None]),
    ("None", [None]),
]


@pytest.mark.parametrize(("response", "expected"), MONTH_CASES)
def test_extract_month(response, expected):
    assert extract(response, "month") == expected


STATE_CASES = [
    ("CA", ["CA"]),
    ("ca", [None]),  # lowercase is not a state code
    ("The best region is CA.", ["CA"]),
    ("**TX**", ["TX"]),
    ('"NY"', ["NY"]),
    ("Accounts shipped to NY close cases in 1.2 days on average.", ["NY"]),
    ("The state with the quickest closure is WA (Washington).", ["WA"]),
    # full state names count as their codes
    ("California", ["CA"]),
    ("The best region is California.", ["CA"]),
    ("New York has the fastest average closure time.", ["NY"]),
    ("West Virginia", ["WV"]),
    ("Kansas City sits in Missouri.", ["KS", "MO"]),
    # state codes that are also English words
    ("IN", ["IN"]),
    ("The answer is OR.", ["OR"]),
    ("State: ME", ["ME"]),
    ("**OK**", ["OK"]),
    ("Indiana (IN) closes cases fastest.", ["IN"]),
    ("Cases IN TX close fastest.", ["TX"]),  # shouted "IN" is not Indiana
    ("OK, the quickest state is FL.", ["FL"]),
    ("OK", ["OK"]),
    ("The agent's user ID is 005Wt000003NIiTIAW; the state is NV.", ["NV"]),
    ("CA or TX - I cannot tell which.", ["CA", "TX"]),
    ("Texas (TX) has the quickest closure at 1.5 days, compared to CA at 2.3 days.", ["TX", "CA"]),
    ("Shipping state FL is quicker than GA.", ["FL", "GA"]),
    ("MI is quickest, with OH a close second.", ["MI", "OH"]),
    # several codes: every one is extracted
    ("TX averaged 3.1 days and CA averaged 2.4 days. The best region is CA.", ["TX", "CA"]),
    ("Averages: TX 3.1, FL 2.9, CA 2.4\n\nAnswer: CA", ["TX", "FL", "CA"]),
    ("No state had enough closed cases.", [None]),
]


@pytest.mark.parametrize(("response", "expected"), STATE_CASES)
def test_extract_state(response, expected):
    assert extract(response, "state") == expected


def test_state_names_and_codes_are_one_state():
    assert [h.value for h in find_states("Indiana (IN) and Ohio")] == ["IN", "IN", "OH"]
    assert extract("Indiana (IN) and Ohio", "state") == ["IN", "OH"]
    assert exact_match("California", ["CA"], "state") == 1.0


STAGE_CASES = [
    ("Discovery", ["Discovery"]),
    ("discovery", ["Discovery"]),
    ("Quote", ["Quote"]),
    ("quote", ["Quote"]),
    ("closed", ["Closed"]),
    ("The correct stage is Negotiation.", ["Negotiation"]),
    ("The stage should be **Qualification**.", ["Qualification"]),
    ("The opportunity is currently in Negotiation, but its tasks indicate it should be in Discovery.", ["Discovery"]),
    ("Current stage: Closed. Correct stage: Quote.", ["Quote"]),
    ("StageName should be changed to Quote.", ["Quote"]),
    ("Change the stage to quote.", ["Quote"]),
    ("It belongs in the quote stage.", ["Quote"]),
    ("Negotiation -> Discovery", ["Discovery"]),
    ("The customer asked for a quote and the stage should be Negotiation.", ["Negotiation"]),
    ("A quote was sent last week, so the right stage is Negotiation.", ["Negotiation"]),
    ("The deal is Closed Won.", ["Closed"]),
    ("Quote Q-00123 was accepted, so the stage should be Closed.", ["Closed"]),
    ("The cases were closed quickly; the stage should be Discovery.", ["Discovery"]),
    ("The tasks (a discovery call, a needs analysis) point to the Discovery stage.", ["Discovery"]),
    # the current stage confirmed: that stage (the one the agent believes the opportunity is in)
    ("The current stage, Negotiation, is correct.", ["Negotiation"]),
    ("The stage Discovery matches the activities; no change needed.", ["Discovery"]),
    ("The StageName is accurate.", [None]),
    ("None", [None]),
    ("The stage Negotiation is not correct; it should be Discovery.", ["Discovery"]),
    ("Negotiation is wrong. Discovery.", ["Discovery"]),
    ("I think it might be Discovery or Qualification.", ["Discovery", "Qualification"]),
    ("Discovery is correct; the current Negotiation stage is wrong.", ["Discovery"]),
    ("Discovery matches the activities better than Negotiation does.", ["Discovery"]),
    ("Discovery or Negotiation; hard to say.", ["Discovery", "Negotiation"]),
    ("The existing stage (Quote) matches the open tasks.", ["Quote"]),
    ("Final: Qualification", ["Qualification"]),
    ("The stage is incorrectly set to Closed. The tasks are quote follow-ups, so the opportunity should be in Quote.", ["Quote"]),
    ("It should move from Negotiation to Discovery.", ["Discovery"]),
]


@pytest.mark.parametrize(("response", "expected"), STAGE_CASES)
def test_extract_stage(response, expected):
    assert extract(response, "stage") == expected


BANT_CASES = [
    ("Budget", ["Budget"]),
    ("Budget, Timeline", ["Budget", "Timeline"]),
    ("Timeline, Budget", ["Budget", "Timeline"]),
    ("budget and need", ["Budget", "Need"]),
    ("Budget and Timeline are not met.", ["Budget", "Timeline"]),
    ("Budget and Timeline are not met; Authority and Need are satisfied.", ["Budget", "Timeline"]),
    ("Budget is confirmed, but Timeline is not.", ["Timeline"]),
    ("The lead meets Budget and Authority but not Need or Timeline.", ["Need", "Timeline"]),
    ("Not met: Authority, Need", ["Authority", "Need"]),
    ("The lead lacks decision-making authority and has no clear timeline.", ["Authority", "Timeline"]),
    ("There is no budget allocated for this project.", ["Budget"]),
    ("The contact needs approval from the CFO, so Authority is not met.", ["Authority"]),
    ("We need to check again, but the Budget is unclear.", ["Budget"]),
    ("Need: not established. Budget: confirmed. Authority: confirmed. Timeline: confirmed.", ["Need"]),
    (
        "- Budget: Met - the customer confirmed $50k.\n- Authority: Not met - the contact needs sign-off.\n"
        "- Need: Met\n- Timeline: Not met - no decision date.\n\nFactors not met: Authority, Timeline",
        ["Authority", "Timeline"],
    ),
    ("I reviewed Budget, Authority, Need and Timeline.\nBudget and Timeline are not met.", ["Budget", "Timeline"]),
    ("Budget \u2705 Authority \u274c Need \u2705 Timeline \u274c", ["Authority", "Timeline"]),
    ("Answer: Need, Timeline", ["Need", "Timeline"]),
    ("Budget is fine and need is unclear.", ["Need"]),
    ("The timing is uncertain and the buyer has no budget.", ["Budget", "Timeline"]),
    # qualified = None
    ("All BANT criteria are met.", [None]),
    ("Budget, Authority, Need and Timeline are all met.", [None]),
    ("The lead is fully qualified.", [None]),
    ("None", [None]),
    ("None - the lead meets all four factors.", [None]),
    ("The lead is not qualified: Budget is missing.", ["Budget"]),
    # "met except X" -> X
    ("All factors are met except Authority.", ["Authority"]),
    ("Every BANT criterion is satisfied apart from Need and Timeline.", ["Need", "Timeline"]),
    # factors joined inside one bold or quoted span are one string, as the official extractor returns them
    ("**Budget, Timeline**", ["Budget, Timeline"]),
    ('The unmet factors are "Need and Authority".', ["Need and Authority"]),
    ("**Budget** and **Timeline**", ["Budget", "Timeline"]),
]


@pytest.mark.parametrize(("response", "expected"), BANT_CASES)
def test_extract_bant(response, expected):
    assert extract(response, "bant") == expected


@pytest.mark.parametrize(
    ("response", "gold", "reward"),
    [
        ("Timeline and Budget are not met.", ["Budget", "Timeline"], 1),
        ("Budget", ["Budget", "Timeline"], 0),
        ("Budget, Authority, Timeline", ["Budget", "Timeline"], 0),
        ("The lead is qualified.", [None], 1),
        ("Budget is not met.", [None], 0),
    ],
)
def test_exact_match_bant(response, gold, reward):
    assert exact_match(response, gold, "bant") == reward
