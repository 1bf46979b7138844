"""Seeded generators of the org's conversational long text: case emails, chats, sales emails, calls.

The task families read these texts to find planted facts (a policy breach, BANT factors, competitor
mentions, sub-topic sentiment), so each generator states its facts explicitly and with fixed
phrasings that a careful reader can check against the knowledge base, while the surrounding talk
is drawn from large template pools so no two texts read the same. Everything is precompiled
tuples + `str.format_map`; output depends only on the rng state and the arguments.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# The sub-topic taxonomy of sales calls (sales_insight_mining answers with these Title-Case names);
# a call says a topic in lower case ("the implementation timeline is too long").
SUB_TOPICS: tuple[str, ...] = (
    "Pricing",
    "Product Features",
    "Customer Support",
    "Implementation Timeline",
    "Integration",
    "Licensing Terms",
    "Performance",
    "Documentation",
    "Contract Length",
    "Training",
    "Data Migration",
    "Onboarding",
)
# A shopper's sales call talks about other things than a software buyer's.
SUB_TOPICS_B2C: tuple[str, ...] = (
    "Pricing",
    "Delivery Time",
    "Product Quality",
    "Warranty",
    "Return Policy",
    "Sizing",
    "Durability",
    "Customer Service",
    "Financing Options",
    "Stock Availability",
)


def sub_topics(preset: str) -> tuple[str, ...]:
    """The sub-topics sales calls of a preset's org discuss (sales_insight_mining asks about them)."""
    return SUB_TOPICS_B2C if preset == "b2c" else SUB_TOPICS


BANT_FACTORS = ("Budget", "Authority", "Need", "Timeline")


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    title: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class EmailDraft:
    subject: str
    body: str
    from_address: str
    from_agent: bool
    sent: datetime


# ---------------------------------------------------------------------------------------------
# small helpers


def _attr(obj, name: str, default=None):
    return getattr(obj, name, default) if obj is not None else default


def _params(article) -> tuple[str | None, dict]:
    rule = _attr(article, "rule")
    if rule is None:
        return None, {}
    return rule.kind, dict(rule.params or {})


def _money(x: float) -> str:
    x = round(x)
    return f"${x:,}"


def _times(rng: random.Random, start: datetime, end: datetime, n: int) -> list[datetime]:
    """n strictly increasing datetimes in [start, end], whole seconds when the span allows."""
    if n <= 0:
        return []
    span = int((end - start).total_seconds())
    if span + 1 >= n:
        offs = sorted(rng.sample(range(span + 1), n))
        return [start + timedelta(seconds=o) for o in offs]
    step = (end - start) / n  # sub-second spacing: still strictly increasing
    return [start + step * i for i in range(n)]


def _lc_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and not s[:2].isupper() else s


def _sentence(s: str) -> str:
    s = s.strip()
    return s if s.endswith((".", "!", "?")) else s + "."


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_FALLBACK_COMPETITORS = ("Cadmus EDA", "Altivo Design", "Mentorix Solutions", "OpenCircuit Labs")
_FEATURES = (
    "a dark theme", "PDF export of reports", "single sign-on with Okta", "a command-line batch mode",
    "side-by-side comparison of two runs", "native support for ARM laptops", "a REST API for job submission",
    "scheduled report emails", "multi-monitor layouts", "an offline installer", "role-based access control",
    "a Python scripting console", "two-factor authentication by hardware key", "custom dashboard widgets",
)
_ORDER_DETAILS = (
    "your order {order} for {qty} {p} licenses was shipped to the address on file in {city} and charged to the card ending in {card}",
    "I can see order {order}: {qty} seats of {p}, billed on {date} to the card ending in {card}",
    "your order {order} ({qty} x {p}) was invoiced on {date} and paid with the card ending in {card}",
    "order {order} shows {qty} {p} licenses, delivered to {city}, with the card ending in {card} on file",
)
_CITIES = ("Austin", "Denver", "Portland", "Raleigh", "Columbus", "Tucson", "Madison", "Boise", "Richmond", "Omaha")


# ---------------------------------------------------------------------------------------------
# service emails: template pools ({c} customer first, {a} agent first, {p} product, {i} issue)

_C_GREET_FIRST = (
    "Hello,", "Hi there,", "Hello support team,", "Hi support,", "Good morning,", "Good afternoon,",
    "Dear Support Team,", "To whom it may concern,", "Hi team,", "Hey folks,",
)
_C_GREET = (
    "Hi {a},", "Hello {a},", "Thanks {a},", "Hi again {a},", "{a},", "Dear {a},", "Morning {a},",
    "Hey {a},", "Hello again,", "Hi,",
)
_C_OPEN = (
    "I'm writing about a problem with {p}.", "We've run into an issue with {p} and could use some help.",
    "I need help with {p}.", "Something is wrong with our {p} setup.", "Our team is stuck on a {p} problem.",
    "I'd like to report a problem we're seeing in {p}.", "Quick question about {p}, though it's becoming urgent.",
    "We have been fighting with {p} for a couple of days now.", "I hope you can help us with {p}.",
    "Reaching out because {p} is giving us trouble.", "I'm opening a ticket for an issue in {p}.",
    "Hoping someone can take a look at a {p} issue for us.",
)
_C_CONTEXT = (
    "It started after our last update.", "Nothing changed on our side as far as I know.",
    "It happens on every workstation we've tried.", "It only happens on some machines, which is odd.",
    "It was working fine last week.", "We first noticed it on Monday morning.",
    "A colleague sees the same thing on her machine.", "We've already restarted everything twice.",
    "It seems to happen more often with larger projects.", "I checked the release notes but found nothing relevant.",
    "Our IT team confirmed the network is fine.", "It's intermittent, maybe one time in three.",
)
_C_IMPACT = (
    "This is blocking our team's work.", "We have a deadline at the end of the week, so any help is appreciated.",
    "It's slowing us down quite a bit.", "A few people are waiting on this before they can continue.",
    "It's getting in the way of our daily work.", "We'd appreciate a quick look.",
    "Our project schedule depends on this, unfortunately.", "Please let me know what you need from us.",
    "We can work around it for now, but not for long.", "Management is asking me for an update.",
)
_C_FOLLOW = (
    "Thanks for getting back to me.", "Appreciate the quick reply.", "Thanks for the suggestions.",
    "Thank you for looking into this.", "Got it, thanks.", "Thanks, that's helpful.",
    "Sorry for the slow reply, it's been a busy week.", "Following up on your last email.",
)
_C_TRIED_FAIL = (
    "I tried the steps you suggested, but the problem is still there.",
    "Unfortunately that didn't fix it; we see exactly the same behaviour.",
    "We followed your instructions and it still happens.",
    "I did what you described. No change, sadly.",
    "That helped a little, but the issue came back after an hour.",
    "We tried it on two machines and neither improved.",
)
_C_TRIED_OK = (
    "Good news: your suggestion worked and everything is back to normal.",
    "That did the trick, thank you!", "The fix worked. We're up and running again.",
    "I applied the change and the problem is gone.", "Everything looks good now after following your steps.",
    "Confirmed fixed on all our machines.",
)
_C_DETAILS = (
    "To answer your questions: we're on the latest version, and it happens for every user.",
    "We run it on Windows 11 workstations with 64 GB of RAM.", "The log file is attached as you asked.",
    "We're on Linux, RHEL 9, with the license server on a separate host.",
    "I've attached screenshots of the error.", "It happens with both small and large projects.",
    "The version is the one we installed last month from the portal.",
    "Here are the details you asked for: three users, one site, all on the same network.",
)
_C_WAITING = (
    "Any update on this?", "Just checking in on this ticket.", "Is there any news?",
    "Could you give me a status update, please?", "Following up again, as we're still blocked.",
    "Haven't heard back in a while; is someone still working on this?",
)
_C_THANKS = (
    "Thanks again for your help!", "Really appreciate the support.", "Thanks for sorting this out so quickly.",
    "Great service, thank you.", "Thanks, you can close the ticket.", "Much appreciated.",
    "Thank you, that's all we needed.", "Cheers for the help.",
)
_C_SIGN = ("Thanks,", "Best,", "Regards,", "Best regards,", "Cheers,", "Thank you,", "Kind regards,", "Many thanks,", "")

_A_GREET = (
    "Hi {c},", "Hello {c},", "Dear {c},", "Good morning {c},", "Good afternoon {c},", "Hi {c}, thanks for reaching out.",
    "Hello {cn},", "Dear {cn},", "Hi {c} -", "Thanks for writing in, {c}.",
)
_A_ACK = (
    "Thank you for contacting us about {p}.", "Thanks for the detailed report on {p}.",
    "I'm sorry to hear {p} is giving you trouble.", "Thanks for letting us know about this.",
    "I've picked up your case and I'm happy to help.", "I understand how frustrating this must be.",
    "Apologies for the inconvenience this has caused.", "Thanks for your patience while I reviewed this.",
    "I'm sorry for the disruption to your team.", "I appreciate you flagging this so clearly.",
)
_A_RESTATE = (
    "From your description, this looks like a case of {il}.", "It sounds like you're running into {il}.",
    "What you describe matches what we'd classify as {il}.", "This appears to be {il} in {p}.",
    "I've logged this as {il} on our side.", "Based on the symptoms, we're looking at {il}.",
)
_A_ASK = (
    "Could you tell me which version of {p} you're running?", "Could you send me the log file from the last run?",
    "Does this happen for every user, or only some?", "Could you share a screenshot of the error?",
    "When did you first notice the problem?", "Has anything changed in your environment recently?",
    "Which operating system are the affected machines on?", "Can you reproduce it with a small test project?",
)
_A_STEP = (
    "Please clear the local cache folder and restart {p}.", "Could you try reinstalling the latest patch from the portal?",
    "Please check that the license server is reachable from the affected machines.",
    "Try disabling any third-party plug-ins and running the job again.",
    "Please reset the user preferences from the Help menu and sign in again.",
    "Could you run the built-in diagnostics tool and send me the report?",
    "Please update your graphics driver to the latest vendor release.",
    "Try running the same project on a second workstation to narrow it down.",
    "Please re-import the project file using the compatibility option.",
    "Could you increase the memory limit in the settings and rerun the job?",
)
_A_FIX = (
    "Our engineers identified the cause and a patch is now available in the portal.",
    "The issue was a configuration mismatch, which I've corrected on our side.",
    "This was caused by a known defect; the hotfix attached to this case resolves it.",
    "I've reset the affected settings on your account, which should resolve it.",
    "Applying the latest service pack should fix this permanently.",
    "Our team deployed a fix this morning, so you should no longer see the problem.",
)
_A_CHECK = (
    "Please let me know if that helps.", "Let me know how it goes.", "I'll keep the case open until you confirm.",
    "Feel free to reply with any questions.", "I'll check back with you tomorrow.",
    "If the problem persists, just reply to this email.", "Looking forward to hearing from you.",
)
_A_CLOSE = (
    "I'm glad we could resolve this. I'll close the case now, but you can reopen it by replying.",
    "Great to hear it's working. I'm marking this case as resolved.",
    "Thanks for confirming. I'll close this ticket; don't hesitate to reach out again.",
    "Happy to help! The case is now closed.", "Glad that did it. Have a great rest of your week.",
    "Thanks for your patience throughout. Closing the case now.",
)
_A_WRAP = (
    "Please give it a try; if I don't hear back within a few days I'll close the case.",
    "Let me know once you've confirmed, and I'll close the case.",
    "I'll mark the case as resolved, but just reply if anything comes back.",
    "Everything should be working now. I'll close the case after you confirm.",
)
_A_NUDGE = (
    "I wanted to check whether you had a chance to try the steps below.",
    "Just following up on my previous email.", "Checking in to see if the issue is still occurring.",
    "I haven't heard back, so I wanted to make sure my last message reached you.",
)
_A_SIGN = ("Best regards,", "Kind regards,", "Regards,", "Best,", "Thanks,", "Sincerely,", "Warm regards,", "All the best,")
_A_ROLE = ("Customer Support", "Support Engineer", "Technical Support", "Customer Success", "Support Team")


# ---------------------------------------------------------------------------------------------
# policy scenarios: (customer setup, agent response). Violating responses state the breach with
# the planted fact (days since purchase, credit amount, feature date, ...); compliant ones stay
# inside the rule, so a reader must compare against the article.

_REFUND_ASK = (
    "We bought {p} {d} days ago and I'd like a full refund.",
    "I purchased {p} {d} days ago and want my money back.",
    "It's been {d} days since we purchased {p}, and we'd like to request a refund.",
    "Our order for {p} was placed {d} days ago; please refund it in full.",
    "Can I return {p}? We bought it {d} days ago and it isn't working for us.",
)
_REFUND_VIOLATE = (
    "I've gone ahead and approved a full refund for your {p} purchase from {d} days ago; the money will be back on your card within 5-7 business days.",
    "No problem at all: I've processed a full refund for {p}, even though the purchase was {d} days ago. You'll see it in a few days.",
    "I've issued a full refund for the {p} order you placed {d} days ago. Sorry again for the trouble.",
    "Your refund for {p} (purchased {d} days ago) has been approved and processed.",
)
_REFUND_DECLINE = (
    "I'm sorry, but our refund window is {w} days from purchase, so I can't refund a purchase made {d} days ago. I can help you get {p} working instead.",
    "Refunds are only available within {w} days of purchase, and your order was {d} days ago, so I'm not able to approve one. Let's see what else I can do.",
)
_REFUND_APPROVE_OK = (
    "Since you bought {p} only {d} days ago, you're within our {w}-day refund window; I've approved a full refund.",
    "Your purchase was {d} days ago, inside the {w}-day refund period, so I've processed the refund for you.",
)
_REFUND_FORWARD = (
    "I've passed your refund request to our billing team, who will review it against our refund policy and get back to you.",
    "Refund decisions go through billing, so I've forwarded your request there; they'll confirm eligibility under our refund policy.",
)
_CREDIT_ASK = (
    "Given the downtime, I think we deserve a credit on our account.",
    "After all this trouble, could you credit us {y}?", "We lost days of work. I'd like a credit of some kind.",
    "Is there any compensation for the time we've lost? Something like {y} would seem fair.",
)
_CREDIT_GIVE = (
    "As a goodwill gesture, I've applied a credit of {x} to your account.",
    "I'm sorry for the disruption; I've added a credit of {x} to your next invoice.",
    "To make up for the downtime I've issued a credit of {x} to your account.",
    "I've approved a credit of {x}, which you'll see on your account within a day.",
)
_CREDIT_DECLINE = (
    "I understand the frustration, but I'm not able to issue account credits myself; I've raised your request with our billing team.",
    "I can't approve a credit of that size, but I've asked our billing team to review what we can offer under our policy.",
)
_ID_FAIL = (
    "I don't have the order number with me, and I'm writing from my personal email, not the one on the account. Can you check my order anyway?",
    "I can't find the order number, sorry, and the email on file is an old address I no longer use.",
    "I don't remember which email we used for the account and I don't have the order number. Can't you just look it up?",
    "I tried to verify but the details I gave didn't match. I don't have the order number handy either.",
)
_ID_OK = (
    "Here's the verification you asked for: the order number is {order} and I'm writing from the email on the account.",
    "For verification: order {order}, and this is the email address registered on our account.",
)
_ID_VIOLATE = (
    "No problem, I can skip the verification this time: {details}.",
    "That's fine, I'll go ahead without verifying. Looking at your account, {details}.",
    "Don't worry about the verification. I checked for you and {details}.",
)
_ID_VERIFIED = (
    "Thank you, that matches our records, so you're verified. {Details}.",
    "Thanks for verifying your identity. Looking at the account, {details}.",
)
_ID_DECLINE = (
    "I'm sorry, but I can't discuss any order or account details until we can verify your identity. Once you have the order number, reply from the email on the account and I'll help right away.",
    "For your security I'm unable to share order details without verification. If you can find the order number or write from the registered email, I'll pick this up straight away.",
)
_ROADMAP_ASK = (
    "Is {f} on your roadmap? We really need it.", "When will {p} get {f}? It's holding us back.",
    "Our team keeps asking for {f}. Any plans to add it?", "Can you tell me if {f} is coming soon?",
)
_ROADMAP_VIOLATE = (
    "Good news: {f} is coming in the next release in {m}, so you'll have it by then.",
    "I can promise you {f} will ship in the {m} release; it's already committed.",
    "Our product team has confirmed {f} for the release in {m}. You can plan around that.",
    "You'll get {f} in the next release, which is scheduled for {m}.",
)
_ROADMAP_OK = (
    "I can't share timelines or make commitments about unreleased features, but I've logged your request for {f} with our product team.",
    "We don't comment on future release plans, but I've recorded {f} as a feature request so the product managers see it.",
    "I'm not able to promise anything about {f}, but your request is now on file with product management.",
)
_COMP_ASK = (
    "We're thinking about switching to {k}; they say their tool handles this better.",
    "Honestly, a colleague says {k} doesn't have this problem. Should we just move to them?",
    "{k} offered us a trial. Why should we stay with {p}?",
    "How does {p} compare to {k} for this kind of work?",
)
_COMP_VIOLATE = (
    "Honestly, {k}'s product is junk; we get customers coming back from them all the time.",
    "I wouldn't touch {k}. Their software is garbage and their team doesn't know what they're doing.",
    "Between us, {k} is a joke. Their tool falls over on anything serious.",
    "Trust me, {k}'s product is a mess; you'd regret switching within a month.",
)
_COMP_OK = (
    "I can't speak to {k}'s product, but I'm happy to show you what {p} can do for this use case.",
    "Every team's needs are different, and I'd rather focus on getting {p} working well for you than comment on {k}.",
    "I'll leave the comparison with {k} to you, but I'm confident we can resolve this in {p}.",
)
_ESC_ASK = (
    "This is critical: our production environment is down and the whole team is blocked.",
    "To be clear, this is a critical issue. Nothing works and we're losing money every hour.",
    "This is a critical outage for us. Our entire design team is idle.",
)
_ESC_VIOLATE = (
    "I know this is critical, but I'm going to keep working on it myself rather than escalating for now. It's been {h} hours since your report, and I'd like another day before involving Tier 2.",
    "I haven't escalated this yet, {h} hours after you reported it. I'd prefer to keep investigating myself before handing it to engineering.",
    "It's been {h} hours since your critical report and I'm still handling it on my own; I don't think escalation is needed yet.",
)
_ESC_OK = (
    "Given how critical this is, I escalated it to our Tier 2 engineering team as soon as your report came in.",
    "Because this is a critical outage, I escalated your case to our senior engineers right away; they're on it now.",
    "I've escalated this to Tier 2 immediately, as we do for every critical case.",
)


# ---------------------------------------------------------------------------------------------
# consumer (B2C) variants of the pools whose wording is software/enterprise-specific

_B2C = {
    "_C_CONTEXT": (
        "I've only used it a couple of times.", "It was fine on the first trip.", "I followed the instructions exactly.",
        "It happened again this morning.", "My partner noticed it first.", "The packaging looked fine when it arrived.",
        "I checked the FAQ on your website but found nothing.", "It's the second time this has happened.",
        "It gets worse the more I use it.", "Nothing was dropped or damaged as far as I know.",
    ),
    "_C_IMPACT": (
        "I'm leaving on a trip soon, so I'd appreciate a quick answer.", "It's really disappointing.",
        "Please let me know what you need from me.", "I'd like to get this sorted as soon as possible.",
        "I was really looking forward to using it.", "I'd appreciate a quick look.",
    ),
    "_C_DETAILS": (
        "To answer your questions: it happens every time I use it.", "I've attached a couple of photos.",
        "I bought it from your website.", "It's the standard version, not the one on sale.",
        "I've only had it out twice.", "Here's a short video showing the problem.", "I used it indoors, at room temperature.",
    ),
    "_C_TRIED_FAIL": (
        "I tried what you suggested, but the problem is still there.", "Unfortunately that didn't fix it.",
        "I followed your steps and it still happens.", "No change, sadly.", "It seemed better for a day, then the problem came back.",
    ),
    "_C_TRIED_OK": (
        "Good news: your suggestion worked.", "That did the trick, thank you!", "The replacement arrived and works perfectly.",
        "It works now. Thanks!", "All sorted, everything works as it should.",
    ),
    "_A_ASK": (
        "Could you send me a photo of the problem?", "When did you first notice it?", "How many times have you used it so far?",
        "Could you describe exactly what happens?", "Could you send a short video if possible?", "Has it been stored somewhere damp or hot?",
    ),
    "_A_STEP": (
        "Please fully charge it and try again.", "Could you try a factory reset by holding the power button for ten seconds?",
        "Please check that all parts are seated properly, following page 4 of the guide.",
        "Try updating the companion app and pairing it again.", "Please clean the connector with a dry cloth and try again.",
        "Could you check the serial number label and send me a photo of it?", "Please let it dry completely before testing again.",
    ),
    "_A_FIX": (
        "I've arranged a replacement, which will ship within two business days.", "I've sent you the missing part by express post.",
        "Our team confirmed a firmware update resolves this; it's now available in the app.",
        "A replacement unit is on its way to you.", "I've sent a prepaid label so we can repair it for you free of charge.",
    ),
    "_ORDER_DETAILS": (
        "your order {order} for {qty} x {p} was shipped to your address in {city} and charged to the card ending in {card}",
        "I can see order {order}: {qty} x {p}, placed on {date} and paid with the card ending in {card}",
        "your order {order} ({p}) was delivered to {city} on {date}; the card ending in {card} was charged",
    ),
    "_FEATURES": (
        "a lighter version", "a larger size", "a women's fit", "Strava sync in the app", "a longer-lasting battery",
        "a waterproof model", "a version in green", "a kids' size", "offline maps in the app", "a two-pack bundle",
    ),
    "_ESC_ASK": (
        "This is critical for me: I can't use it at all and I leave on a trip in two days.",
        "To be clear, this is critical. I'm worried it isn't safe to use.",
        "This is a critical problem for my family; we rely on it and nothing works.",
    ),
    "_CH_A_STEP": (
        "Could you try charging it fully and turning it on again?", "Please hold the power button for ten seconds to reset it.",
        "Can you check that every pole is fully seated in its hub?", "Please reinstall the app and pair it again.",
        "Could you send a photo of the label on the inside?", "Let's try a factory reset from the settings menu.",
    ),
    "_CH_QA": (
        ("When did you buy {p}?", ("Recently, I think.", "A little while ago.", "I'd have to check my email.")),
        ("Does it happen every time, or only sometimes?", ("Every time, unfortunately.", "Only sometimes.", "Most of the time.")),
        ("Have you used it before, or is this the first time?", ("First time.", "A couple of times.", "Many times, no issues until now.")),
        ("Is there any visible damage?", ("No, it looks fine.", "A small crack, yes.", "Not that I can see.")),
    ),
    "_CH_A_ESC_NEXT": (
        "Thanks for trying. I'll add everything to your case and a product specialist will follow up by email.",
        "OK, I'll note all of this on your case so we can arrange the next step and email you.",
    ),
    "_OC_NEG_FRAME": (  # same sentiment cues as the B2B frames, in one person's voice
        "I'll be honest, {t} is a real concern for me.", "I'm not happy with the {t} so far.",
        "The {t} is a sticking point for me.", "Frankly, the {t} has been disappointing.",
        "My biggest worry right now is {t}.", "The {t} is a problem for me, to be blunt.",
    ),
    "_OC_POS_FRAME": (
        "The {t} looks great to me.", "I'm really pleased with the {t}.", "Honestly, {t} is a big plus for me.",
        "I loved what I saw on {t}.", "No complaints on {t}; it's been excellent.",
        "The {t} is one of the strongest parts of your offer.",
    ),
    "_C_OPEN": (
        "I'm writing about a problem with the {p} I bought from you.", "I ordered {p} recently and I'm having trouble with it.",
        "I need help with my {p}.", "Something is wrong with my {p}.", "I'd like to report a problem with {p}.",
        "I've had {p} for a little while now and something isn't right.", "I hope you can help me with my {p}.",
        "I'm contacting you because my {p} is giving me trouble.", "My family and I have a problem with {p}.",
        "I bought {p} for an upcoming trip and ran into an issue.",
    ),
    "_A_ACK": (
        "Thank you for contacting us about your {p}.", "Thanks for the detailed description of the problem with {p}.",
        "I'm sorry to hear your {p} is giving you trouble.", "Thanks for letting us know about this.",
        "I've picked up your case and I'm happy to help.", "I understand how frustrating this must be.",
        "Apologies for the inconvenience this has caused.", "Thanks for your patience while I looked into this.",
        "I'm sorry this happened with something you were looking forward to.",
    ),
    "_C_WAITING": (
        "Any update on this?", "Just checking in on my case.", "Is there any news?", "Could you give me a status update, please?",
        "Following up again, as I still can't use it.", "Haven't heard back in a while; is someone still looking at this?",
    ),
    "_A_ROLE": ("Customer Care", "Customer Support", "Customer Service", "Support Team", "Customer Care Team"),
    "_REFUND_ASK": (
        "I bought {p} {d} days ago and I'd like a full refund.", "I purchased {p} {d} days ago and want my money back.",
        "It's been {d} days since I bought {p}, and I'd like to request a refund.",
        "I ordered {p} {d} days ago; please refund it in full.",
        "Can I return {p}? I bought it {d} days ago and it isn't working for me.",
    ),
    "_CREDIT_ASK": (
        "Given all this hassle, I think I deserve some store credit.", "After all this trouble, could you credit me {y}?",
        "I missed a trip because of this. I'd like a credit of some kind.",
        "Is there any compensation for the trouble? Something like {y} would seem fair.",
    ),
    "_CREDIT_GIVE": (
        "As a goodwill gesture, I've applied a credit of {x} to your account.",
        "I'm sorry for the trouble; I've added a credit of {x} to your account for your next order.",
        "To make up for the hassle I've issued a credit of {x} to your account.",
        "I've approved a credit of {x}, which you'll see on your account within a day.",
    ),
    "_ROADMAP_ASK": (
        "Are you planning {f}? I'd buy it straight away.", "When will {p} come in {f}?",
        "My friends and I keep wishing there was {f}. Any plans?", "Can you tell me if {f} is coming soon?",
    ),
    "_COMP_ASK": (
        "I'm thinking about switching to {k}; a friend says their gear doesn't have this problem.",
        "Honestly, my brother says {k} never has this issue. Should I just buy theirs instead?",
        "{k} has a sale on right now. Why should I stick with {p}?", "How does {p} compare to what {k} sells?",
    ),
    "_COMP_VIOLATE": (
        "Honestly, {k}'s gear is junk; we get customers coming back from them all the time.",
        "I wouldn't touch {k}. Their products are garbage and they fall apart in a season.",
        "Between us, {k} is a joke. Their stuff falls apart on the first real trip.",
        "Trust me, {k}'s products are a mess; you'd regret switching within a month.",
    ),
    "_COMP_OK": (
        "I can't speak to {k}'s products, but I'm happy to make sure your {p} works the way it should.",
        "Everyone's needs are different, and I'd rather focus on getting your {p} sorted than comment on {k}.",
        "I'll leave the comparison with {k} to you, but I'm confident we can fix this for you.",
    ),
    "_ESC_VIOLATE": (
        "I know this is critical, but I'm going to keep working on it myself rather than escalating for now. It's been {h} hours since your report, and I'd like another day before involving our product safety team.",
        "I haven't escalated this yet, {h} hours after you reported it. I'd prefer to keep investigating myself before handing it to our safety specialists.",
        "It's been {h} hours since your critical report and I'm still handling it on my own; I don't think escalation is needed yet.",
    ),
    "_ESC_OK": (
        "Given how critical this is, I escalated it to our product safety team as soon as your report came in.",
        "Because this is a critical safety issue, I escalated your case to our senior specialists right away; they're on it now.",
        "I've escalated this to our product safety team immediately, as we do for every critical case.",
    ),
    "_CH_V_PROBLEM": (
        "Hi, I have a problem with my {p}. {s}", "Hello. {s} This is with my {p}.", "Hey, my {p} isn't right. {s}",
        "Hi {a}. {s} Can you help?", "Good morning. I bought {p} from you and {sl}", "Hi, quick one about {p}: {sl}",
    ),
    "_CH_V_FAIL": ("Still the same.", "No luck, same problem.", "That didn't change anything.", "Nope, still not right.",
                   "Hmm, same thing."),
    "_S_SUBJECT": {
        "Qualification": ("Your interest in {p}", "Following up on your visit", "Quick hello from {a}", "{o}: next steps"),
        "Discovery": ("Options for {p}", "Trying {p} in store", "Size and fit guide", "{p}: a few questions"),
        "Quote": ("Your quote for {o}", "Price summary: {p}", "Your price for {o}", "Quote for {p}"),
        "Negotiation": ("An updated offer for {o}", "About the bundle price", "Your offer: {p}", "Final price for {o}"),
        "Closed": ("Thank you for your order", "Order confirmed: {o}", "Your {p} is on its way", "After your purchase"),
    },
    "_OC_A_OPEN": (
        "Hi {l}, it's {a}. Thanks for taking my call. I wanted to check in on where things stand with {p}.",
        "Hello {l}, {a} here. Is now still a good time to go over the offer for {p}?",
        "Hi {l}, thanks for picking up. I'd love to hear what you think of {p} so far.",
        "Good afternoon {l}, this is {a}. Let's pick up where we left off on {p}.",
    ),
    "_OC_COMP_L": (
        "I'm also looking at {k}.", "{k} showed me something similar in their store last week.", "A friend of mine swears by {k}.",
        "I'm going to {k}'s shop on Saturday.", "{k} is on my list as well.", "My partner asked me to check {k} too.",
        "Honestly, {k} is the other option I'm still considering.", "I saw an ad for {k}, so I'm looking at them.",
        "I rented gear from {k} a while back.", "My sister already has one from {k}.",
    ),
}


def _pool(name: str, b2c: bool) -> tuple:
    return _B2C[name] if b2c and name in _B2C else globals()[name]


def _scenario(rng: random.Random, kind: str, params: dict, violate: bool, ctx: dict, b2c: bool = False) -> tuple[str, str]:
    """(customer setup, agent response) for one service-rule scenario."""
    c = rng.choice
    if kind == "refund_window":
        w = params.get("days")
        if violate:
            d = int(w or 30) + rng.randint(12, 90)
            ctx["d"] = d
            return c(_pool('_REFUND_ASK', b2c)).format_map(ctx), c(_REFUND_VIOLATE).format_map(ctx)
        if w is None:
            ctx["d"] = rng.randint(5, 120)
            return c(_pool('_REFUND_ASK', b2c)).format_map(ctx), c(_REFUND_FORWARD).format_map(ctx)
        w = int(w)
        ctx["w"] = w
        if rng.random() < 0.5 and w > 3:
            ctx["d"] = rng.randint(1, w - 2)
            return c(_pool('_REFUND_ASK', b2c)).format_map(ctx), c(_REFUND_APPROVE_OK).format_map(ctx)
        ctx["d"] = w + rng.randint(12, 90)
        return c(_pool('_REFUND_ASK', b2c)).format_map(ctx), c(_REFUND_DECLINE).format_map(ctx)
    if kind == "credit_limit":
        lim = params.get("max_amount")
        ctx["y"] = _money(25 * rng.randint(8, 40))
        if violate:
            base = float(lim or 150)
            ctx["x"] = _money(base + 25 * rng.randint(2, 30))
            return c(_pool('_CREDIT_ASK', b2c)).format_map(ctx), c(_pool('_CREDIT_GIVE', b2c)).format_map(ctx)
        if lim is not None and rng.random() < 0.6:
            hi = max(1, int(float(lim) // 5))
            ctx["x"] = _money(5 * rng.randint(max(1, hi // 4), hi))
            return c(_pool('_CREDIT_ASK', b2c)).format_map(ctx), c(_pool('_CREDIT_GIVE', b2c)).format_map(ctx)
        return c(_pool('_CREDIT_ASK', b2c)).format_map(ctx), c(_CREDIT_DECLINE).format_map(ctx)
    if kind == "identity_verification":
        ctx["order"] = f"{rng.randint(100, 999)}-{rng.randint(10000, 99999)}"
        ctx["qty"] = rng.randint(1, 25)
        ctx["card"] = f"{rng.randint(0, 9999):04d}"
        ctx["city"] = c(_CITIES)
        ctx["date"] = f"{c(_MONTHS)} {rng.randint(1, 28)}"
        details = c(_pool('_ORDER_DETAILS', b2c)).format_map(ctx)
        ctx["details"] = details
        ctx["Details"] = details[:1].upper() + details[1:]
        if violate:
            return c(_ID_FAIL).format_map(ctx), c(_ID_VIOLATE).format_map(ctx)
        if rng.random() < 0.5:
            return c(_ID_OK).format_map(ctx), c(_ID_VERIFIED).format_map(ctx)
        return c(_ID_FAIL).format_map(ctx), c(_ID_DECLINE).format_map(ctx)
    if kind == "no_roadmap_promises":
        ctx["f"] = c(_pool('_FEATURES', b2c))
        ctx["m"] = c(_MONTHS)
        return c(_pool('_ROADMAP_ASK', b2c)).format_map(ctx), c(_ROADMAP_VIOLATE if violate else _ROADMAP_OK).format_map(ctx)
    if kind == "no_competitor_disparagement":
        return c(_pool('_COMP_ASK', b2c)).format_map(ctx), c(_pool('_COMP_VIOLATE' if violate else '_COMP_OK', b2c)).format_map(ctx)
    if kind == "escalation":
        hours = int(params.get("hours") or 4)
        gap = ctx.get("gap_h", 0)
        ctx["h"] = gap if gap > hours else hours + rng.randint(3, 30)
        return c(_pool('_ESC_ASK', b2c)).format_map(ctx), c(_pool('_ESC_VIOLATE' if violate else '_ESC_OK', b2c)).format_map(ctx)
    raise ValueError(f"not a service rule kind: {kind!r}")


_DECOY_KINDS = (
    "refund_window", "credit_limit", "identity_verification",
    "no_roadmap_promises", "no_competitor_disparagement", "escalation",
)


def _plan_scenario(rng, violation, policies, priority, decoy_rate):
    """Pick the scenario to plant: (kind, params, violate) or None."""
    if violation is not None:
        kind, params = _params(violation)
        if kind not in _DECOY_KINDS:
            raise ValueError(f"violation must be a service_policy article, got rule kind {kind!r}")
        return kind, params, True
    by_kind = {}
    for art in policies or ():
        k, p = _params(art)
        if k in _DECOY_KINDS:
            by_kind[k] = p
    esc = by_kind.get("escalation")
    if priority is not None and priority == (esc or {}).get("priority", "Critical"):
        return "escalation", esc or {}, False  # a critical case must show a timely escalation
    if rng.random() < decoy_rate:
        k = rng.choice(_DECOY_KINDS)
        return k, by_kind.get(k, {}), False
    return None


# ---------------------------------------------------------------------------------------------
# issue resolutions: the agent follows the issue's solution article (asks for the evidence it names
# before the fix, offers only what it allows) or departs from it (fixes without the evidence, offers
# a remedy the article rules out). `resolution` = (the article's rule params, mode).

RESOLUTION_MODES = ("follow", "decline", "skip", "forbidden")  # the last two break the article
_RES_ASK = (
    "Before I go further, could you send me {evidence}?",
    "To resolve this properly I'll need {evidence}. Could you send that over?",
    "One thing I need from you first: {evidence}.",
    "Could you please share {evidence}? That's the next thing I need.",
)
_RES_GIVE = (
    "Sure, I've attached what you asked for.", "Here it is, attached to this message.",
    "I've attached the information you requested.", "Attached, as requested.",
)
_RES_RUSH = (
    "Is there any way to speed this up? We really need it working today.",
    "Can you just fix it quickly? I don't have time for a long back-and-forth.",
    "Please sort this out as fast as you can, whatever it takes.",
    "I'd rather skip the back-and-forth. Can you fix it now?",
)
_RES_ASK_MORE = (
    "Given all the disruption, is there anything you can offer us?",
    "Honestly, after all this I think some compensation would be fair.",
    "What can you do for us to make up for the trouble?",
)
_RES_DONE = (
    "Thanks for that. I've {fix_done}, which should resolve it.",
    "Thank you. Based on what you sent, I've {fix_done}.",
    "That's what I needed: I've {fix_done}.",
)
_RES_DONE_RUSH = (
    "No problem, I've {fix_done}, so you should be all set.",
    "Understood. I've gone ahead and {fix_done} right away.",
    "Of course. I've {fix_done} straight away to save you time.",
)
_RES_OFFER_BAD = (
    "To make up for the trouble, I can also offer you {forbidden}.",
    "I've also arranged {forbidden} for you as a goodwill gesture.",
)
_RES_OFFER_OK = (
    "That isn't something I can offer for this issue, but I can offer you {allowed}.",
    "I'm not able to do that for this kind of case; what I can offer is {allowed}.",
)


def resolution_turns(rng: random.Random, params: dict, mode: str) -> tuple[str | None, str, str]:
    """(agent's request for the evidence or None, the customer's message, the agent's resolution)."""
    if mode not in RESOLUTION_MODES:
        raise ValueError(f"unknown resolution mode {mode!r}; expected one of {RESOLUTION_MODES}")
    c = rng.choice
    slots = {"evidence": params["evidence"], "fix_done": params["fix_done"],
             "allowed": c(params["allowed"]), "forbidden": c(params["forbidden"])}
    if mode == "skip":
        return None, c(_RES_RUSH), c(_RES_DONE_RUSH).format_map(slots)
    ask = c(_RES_ASK).format_map(slots)
    if mode == "follow":
        return ask, c(_RES_GIVE), c(_RES_DONE).format_map(slots)
    setup = c(_RES_GIVE) + " " + c(_RES_ASK_MORE)
    offer = _RES_OFFER_BAD if mode == "forbidden" else _RES_OFFER_OK
    return ask, setup, c(_RES_DONE).format_map(slots) + " " + c(offer).format_map(slots)


def _ctx(issue, product, customer: Person, agent: Person, competitors) -> tuple[dict, list[str], list[str]]:
    iname = _attr(issue, "name", "an issue")
    by_category = getattr(issue, "symptoms_for", None)
    category = _attr(product, "category", "")
    symptoms = list(by_category(category) if by_category else (_attr(issue, "symptoms", ()) or ()))
    if not symptoms:
        desc = _attr(issue, "description", "")
        symptoms = [desc] if desc else ["It isn't working as expected."]
    comps = [_attr(k, "name", k) for k in competitors or ()] or list(_FALLBACK_COMPETITORS)
    ctx = {
        "c": customer.first, "cn": customer.name, "a": agent.first, "an": agent.name,
        "p": _attr(product, "name", "the product"), "i": iname, "il": iname.lower(), "b2c": False,
    }
    return ctx, [_sentence(s) for s in symptoms], comps


def _customer_body(rng, ctx, role_idx: int, first: bool, fixed: bool, symptoms, setup) -> str:
    c = rng.choice
    b2c = ctx['b2c']
    parts = []
    if first:
        parts.append(c(_C_GREET_FIRST))
        para = [c(_pool('_C_OPEN', b2c)).format_map(ctx), c(symptoms)]
        if rng.random() < 0.6:
            para.append(c(_pool('_C_CONTEXT', b2c)))
        if len(symptoms) > 1 and rng.random() < 0.35:
            other = c(symptoms)
            if other != para[1]:
                para.append("Also: " + _lc_first(other))
        parts.append(" ".join(para))
        parts.append(setup if setup else c(_pool('_C_IMPACT', b2c)))
    else:
        parts.append(c(_C_GREET).format_map(ctx))
        para = [c(_C_FOLLOW)]
        if setup:
            para.append(c(_pool('_C_TRIED_FAIL', b2c)) if rng.random() < 0.5 else c(_pool('_C_DETAILS', b2c)))
            parts.append(" ".join(para))
            parts.append(setup)
        elif fixed:
            para.append(c(_pool('_C_TRIED_OK', b2c)))
            para.append(c(_C_THANKS))
            parts.append(" ".join(para))
        else:
            r = rng.random()
            if r < 0.4:
                para.append(c(_pool('_C_DETAILS', b2c)))
            elif r < 0.75:
                para.append(c(_pool('_C_TRIED_FAIL', b2c)))
            else:
                para = [c(_pool('_C_WAITING', b2c))]
            if rng.random() < 0.3:
                para.append(c(_pool('_C_CONTEXT', b2c)))
            parts.append(" ".join(para))
    sign = c(_C_SIGN)
    signature = ctx["cn"] if rng.random() < 0.6 else ctx["c"]
    if ctx.get("ct") and rng.random() < 0.5:
        signature += "\n" + ctx["ct"]
    parts.append(f"{sign}\n{signature}" if sign else signature)
    return "\n\n".join(parts)


def _agent_body(rng, ctx, k: int, last: bool, response, resolved, nudge: bool, confirmed: bool, ask_id) -> str:
    c = rng.choice
    b2c = ctx['b2c']
    parts = [c(_A_GREET).format_map(ctx)]
    if nudge:
        parts.append(c(_A_NUDGE) + " " + c(_pool('_A_STEP', b2c)).format_map(ctx))
    elif k == 0:
        para = [c(_pool('_A_ACK', b2c)).format_map(ctx), c(_A_RESTATE).format_map(ctx)]
        if response is None or rng.random() < 0.5:
            para.append(c(_pool('_A_ASK', b2c)).format_map(ctx))
            if rng.random() < 0.5:
                para.append(c(_pool('_A_STEP', b2c)).format_map(ctx))
        parts.append(" ".join(para))
    elif last and resolved:
        if response:
            parts.append(response)
            response = None
        parts.append(c(_A_CLOSE) if confirmed else c(_A_WRAP))  # no generic fix claim: the resolution says what was done
    else:
        para = [c(_pool('_A_STEP', b2c)).format_map(ctx)]
        if rng.random() < 0.5:
            para.append(c(_pool('_A_STEP', b2c)).format_map(ctx))
        if rng.random() < 0.4:
            para.append(c(_pool('_A_ASK', b2c)).format_map(ctx))
        parts.append(" ".join(para))
    if response:
        parts.append(response)
    if isinstance(ask_id, str):
        parts.append(ask_id)
    elif ask_id:
        parts.append(rng.choice(_CH_A_ID_ASK))
    if not (last and resolved):
        parts.append(c(_A_CHECK))
    parts.append(f"{c(_A_SIGN)}\n{ctx['an']}\n{ctx['ar']}")
    return "\n\n".join(parts)


def service_emails(
    rng: random.Random,
    *,
    case_subject: str,
    issue,
    product,
    customer: Person,
    agent: Person,
    start: datetime,
    end: datetime,
    n: int,
    violation=None,
    policies: Sequence = (),
    priority: str | None = None,
    competitors: Sequence = (),
    decoy_rate: float = 0.35,
    b2c: bool = False,
    resolution: tuple[dict, str] | None = None,
) -> list[EmailDraft]:
    """An n-email case thread, customer first, mostly alternating, sent strictly increasing in [start, end].

    resolution: (the issue's solution-article rule params, mode): the thread alternates strictly and
    one agent email resolves the case as `resolution_turns` says, after asking for the evidence in an
    earlier email unless the mode skips it (needs n >= 4; n >= 2 for "skip").
    violation: a service_policy Article whose rule one agent email breaks, stating the checkable
    fact. Without it the agent stays within every rule; `policies` (the org's service-policy
    articles) lets compliant decoys use the real limits, `priority` = the escalation rule's priority
    makes the agent escalate promptly, `competitors` names whom a customer may bring up.
    """
    if n <= 0:
        return []
    ctx, symptoms, comps = _ctx(issue, product, customer, agent, competitors)
    ctx["b2c"] = b2c
    ctx["k"] = rng.choice(comps)
    ctx["ct"] = customer.title or ""
    ctx["ar"] = agent.title or rng.choice(_pool("_A_ROLE", b2c))
    roles = ["C"]
    for _ in range(1, n):
        prev = roles[-1]
        if len(roles) >= 2 and rng.random() < 0.12:
            roles.append(prev)
        else:
            roles.append("A" if prev == "C" else "C")
    plan = resolution_turns(rng, *resolution) if resolution is not None else None
    if plan is not None:
        roles = ["C" if i % 2 == 0 else "A" for i in range(n)]
    scen = None if plan is not None else _plan_scenario(rng, violation, policies, priority, decoy_rate)
    if scen is not None and "A" not in roles:
        if violation is None and scen[0] != "escalation":
            scen = None
        else:
            roles[-1] = "A"  # n == 1: the one email is the agent's
    times = _times(rng, start, end, n)
    setup_at = resp_at = ask_at = -1
    setup = response = ask_text = None
    if scen is not None:
        kind, params, violate = scen
        agent_idx = [i for i, r in enumerate(roles) if r == "A"]
        if kind == "escalation":
            limit_s = float(params.get("hours") or 4) * 3600
            if violate:
                times[0] = start  # the report that opened the case: the stated hours count from here
                lo_s, hi_s = limit_s + 3600, limit_s + 31 * 3600  # an hour to a day past the deadline
                late = [i for i in agent_idx if lo_s < (times[i] - times[0]).total_seconds() <= hi_s]
                resp_at = rng.choice(late) if late else agent_idx[-1]
                after = n - 1 - resp_at
                room = min(hi_s, (end - times[0]).total_seconds() - 60 * (after + 1)) - lo_s
                if not late and resp_at > 0 and room > 0:  # move the stalled reply into that window
                    t = times[0] + timedelta(seconds=int(lo_s + 1 + rng.random() * room))
                    times[1:resp_at] = _times(rng, times[0] + timedelta(seconds=1), t - timedelta(seconds=1), resp_at - 1)
                    times[resp_at] = t
                    times[resp_at + 1:] = _times(rng, t + timedelta(seconds=1), end, after)
                ctx["gap_h"] = int((times[resp_at] - times[0]).total_seconds() // 3600)
            else:
                resp_at = agent_idx[0]
                if resp_at > 0:  # the first reply lands well inside the escalation window
                    nxt = times[resp_at + 1] if resp_at + 1 < n else end
                    cap = min(limit_s * 0.5, (nxt - times[0]).total_seconds() - 1, 3600)
                    if cap >= 60:
                        times[resp_at] = times[0] + timedelta(seconds=rng.randint(60, int(cap)))
            setup_at = 0 if roles[0] == "C" else -1
        else:
            prefer = []
            if kind == "identity_verification":  # ask for verification first, then the customer fails/passes
                prefer = [i for i in agent_idx if i >= 3 and roles[i - 1] == "C" and "A" in roles[: i - 1]]
            resp_at = rng.choice(prefer or agent_idx)
            setup_at = next((i for i in range(resp_at - 1, -1, -1) if roles[i] == "C"), -1)
            if prefer:
                ask_at = max(i for i in agent_idx if i < setup_at)
        setup, response = _scenario(rng, kind, params, violate, ctx, b2c)
        if setup_at < 0:
            response = "To recap what you told us: \u201c" + setup + "\u201d " + response
    elif plan is not None:
        ask, setup, response = plan
        first = 3 if ask is not None else 1
        slots = [i for i in range(first, n, 2)]
        if not slots:
            raise ValueError(f"a {resolution[1]!r} resolution needs at least {first + 1} emails, got {n}")
        resp_at = rng.choice(slots)
        setup_at = resp_at - 1
        if ask is not None:
            ask_at = resp_at - 2
            ask_text = ask
    resolved = rng.random() < 0.75
    confirmed = resolved and n >= 2 and roles[-1] == "A" and roles[-2] == "C" and n - 2 != setup_at and rng.random() < 0.5
    subj = case_subject
    re = rng.choice(("Re: ", "RE: ", "Re: "))
    out: list[EmailDraft] = []
    ck = ak = 0
    for i, role in enumerate(roles):
        last = i == n - 1
        subject = subj if i == 0 else re + subj
        if role == "C":
            fixed = (last and resolved) or (confirmed and i == n - 2)
            body = _customer_body(rng, ctx, ck, i == 0, fixed, symptoms, setup if i == setup_at else None)
            ck += 1
            out.append(EmailDraft(subject, body, customer.email, False, times[i]))
        else:
            nudge = i > 0 and roles[i - 1] == "A" and i != resp_at
            asking = ask_text if (plan is not None and i == ask_at) else i == ask_at
            body = _agent_body(
                rng, ctx, ak, last, response if i == resp_at else None, resolved, nudge, confirmed, asking
            )
            ak += 1
            out.append(EmailDraft(subject, body, agent.email, True, times[i]))
    return out


# ---------------------------------------------------------------------------------------------
# sales emails

_S_SUBJECT = {
    "Qualification": ("Introduction: {p} for {o}", "Following up on your interest in {p}", "Quick intro from {a}", "{o}: next steps"),
    "Discovery": ("Demo of {p}", "Requirements for {o}", "Scheduling a technical workshop", "{p} evaluation plan"),
    "Quote": ("Your quote for {o}", "Proposal: {p}", "Pricing proposal for {o}", "Quote for {p} licenses"),
    "Negotiation": ("Contract terms for {o}", "Re-visiting the proposal for {o}", "Agreement draft: {p}", "Final terms for {o}"),
    "Closed": ("Welcome aboard: {o}", "Signed agreement for {o}", "Kickoff for {p}", "Next steps after signing"),
}
_S_AGENT = {
    "Qualification": (
        "Thanks for your interest in {p}. I'd love to learn more about what your team is working on.",
        "I wanted to introduce myself as your contact for {p}. Would you have 20 minutes this week for a short call?",
        "Could you share a bit about your current tooling and who else is involved in evaluating options?",
        "I'd like to understand your goals and timing before suggesting anything specific.",
        "Following up on the form you filled out: what prompted you to look at {p}?",
        "Happy to send over an overview of {p} if that's useful before we talk.",
    ),
    "Discovery": (
        "Thanks for the great conversation. As promised, I'd like to set up a demo of {p} for your engineers.",
        "Could you send a couple of sample files so we can run them through {p} during the workshop?",
        "I've drafted a list of success criteria for the evaluation; please let me know what I've missed.",
        "Would Tuesday or Thursday work for a technical deep-dive with your team?",
        "I'll set up evaluation licenses for {p} so your team can try it on real projects.",
        "It would help to map your current design flow so we can show where {p} fits.",
    ),
    "Quote": (
        "Please find attached our quote for {o}, covering the {p} licenses we discussed.",
        "I've put together a proposal for {p}; the quote is valid for 30 days.",
        "Let me know if the license quantities in the quote match what you need.",
        "Happy to walk you through the proposal line by line on a call.",
        "I've updated the quote with the quantities you asked for.",
        "The quote for {o} is attached. Any questions, just reply here.",
    ),
    "Negotiation": (
        "Thanks for the redlines. Our legal team has reviewed them and accepted most of the changes.",
        "I've talked to my manager about the discount you asked for, and here's what we can do.",
        "Attached is the revised agreement for {o} with the payment terms we discussed.",
        "Could we schedule a short call with your procurement team to close out the open points?",
        "We're close. The only open item is the payment schedule.",
        "I've sent the final terms for {p}; let me know if anything needs another look.",
    ),
    "Closed": (
        "Thank you for signing! I'm excited to get your team started on {p}.",
        "Our customer success team will reach out to schedule the kickoff for {o}.",
        "Your production licenses for {p} have been provisioned.",
        "Welcome aboard. I've attached the countersigned contract for your records.",
        "I'll introduce you to your customer success manager in a separate email.",
        "Thanks again for choosing {p}. It's been a pleasure working with you on {o}.",
    ),
}
_S_CONTACT = {
    "Qualification": (
        "Thanks for reaching out. We're exploring options and {p} came up.",
        "Sure, a short call works. Our team is still figuring out what we need.",
        "We're a small group right now, but we might grow next year.",
        "I'm gathering information for my manager; can you send an overview?",
    ),
    "Discovery": (
        "The demo sounds good. I'll invite two of our engineers.",
        "I've attached a couple of sample designs for the workshop.",
        "Thursday works for us. Could you cover the scripting interface?",
        "Our main concern is how {p} fits into our existing flow.",
    ),
    "Quote": (
        "Thanks for the quote. We're reviewing it internally.",
        "Could you add two more licenses to the quote?",
        "Finance has some questions about the proposal; can we talk tomorrow?",
        "The quote looks reasonable. I'll share it with our procurement team.",
    ),
    "Negotiation": (
        "Our legal team has a few more comments on the agreement.",
        "We'd like to discuss the payment schedule before signing.",
        "Procurement is asking for a better discount on the multi-year option.",
        "We're nearly there. Let's set up a call to finalise.",
    ),
    "Closed": (
        "Signed copy attached. Looking forward to getting started!",
        "Thanks, the team is excited to start using {p}.",
        "When can we schedule the kickoff?",
        "Got the licenses, thank you. Who should we contact for setup questions?",
    ),
}
_S_AGENT_C = {
    "Qualification": ("Thanks for your interest in {p}! What will you be using it for?", "I'd be glad to help you pick the right gear.",
                      "Do you have a date in mind for when you'd need {p}?", "Happy to answer any questions about {p}."),
    "Discovery": ("I've put together a few options that would suit what you described.", "Would you like to try {p} in one of our stores?",
                  "Here is a size and fit guide for {p}.", "Let me know which features matter most to you."),
    "Quote": ("Here is the price summary for {o}, including {p}.", "I've attached your quote; it's valid for 30 days.",
              "Let me know if you'd like to change the quantity on the quote.", "The quote includes standard shipping."),
    "Negotiation": ("I checked with my manager about the bundle price you asked for.", "I can offer free shipping if you order this week.",
                    "Here is the updated offer for {o}.", "Let me know if the revised offer works for you."),
    "Closed": ("Thank you for your order! {p} will ship shortly.", "Your order for {o} is confirmed.",
               "Enjoy {p}, and let us know how it goes.", "Thanks again for shopping with us."),
}
_S_CONTACT_C = {
    "Qualification": ("Thanks! I'm still looking around.", "I might need {p} later this year."),
    "Discovery": ("The fit guide helps, thanks.", "Could you tell me a bit more about {p}?"),
    "Quote": ("Thanks for the quote, I'll think it over.", "Could you add a second one to the quote?"),
    "Negotiation": ("Is there any chance of a better price on the bundle?", "Free shipping would make it work for me."),
    "Closed": ("Order placed, thank you!", "Can't wait to use {p}."),
}
_S_OPEN = ("Hope you're doing well.", "Hope your week is going well.", "Thanks for your time earlier.",
           "Great to hear from you.", "Hope all is well on your side.", "")
_S_CLOSE = ("Looking forward to hearing from you.", "Let me know your thoughts.", "Talk soon.",
            "Happy to answer any questions.", "Thanks again.", "Speak soon.")


def sales_emails(
    rng: random.Random,
    *,
    opportunity: str,
    product,
    contact: Person,
    agent: Person,
    stage: str,
    start: datetime,
    end: datetime,
    n: int,
    b2c: bool = False,
) -> list[EmailDraft]:
    """An n-email thread on an opportunity whose content fits `stage` (no competitors, no sub-topic sentiment)."""
    if n <= 0:
        return []
    st = stage if stage in _S_AGENT else "Qualification"
    ctx = {"c": contact.first, "a": agent.first, "p": _attr(product, "name", "our software"), "o": opportunity}
    c = rng.choice
    subject = c(_pool('_S_SUBJECT', b2c)[st]).format_map(ctx)
    times = _times(rng, start, end, n)
    agent_turn = rng.random() < 0.7
    out = []
    for i in range(n):
        if i > 0 and rng.random() < 0.85:
            agent_turn = not agent_turn
        if b2c:
            pool = _S_AGENT_C[st] if agent_turn else _S_CONTACT_C[st]
        else:
            pool = _S_AGENT[st] if agent_turn else _S_CONTACT[st]
        k = 2 if agent_turn else 1
        lines = rng.sample(pool, min(len(pool), k + (rng.random() < 0.4)))
        opener = c(_S_OPEN)
        if agent_turn:
            greet = c(("Hi {c},", "Hello {c},", "Dear {c},", "{c},", "Good morning {c},")).format_map(ctx)
            role = agent.title or c(("Sales Advisor", "Customer Advisor") if b2c else ("Account Executive", "Sales", "Account Manager"))
            sign = f"{c(_A_SIGN)}\n{agent.name}\n{role}"
        else:
            greet = c(("Hi {a},", "Hello {a},", "{a},", "Hi,", "Dear {a},")).format_map(ctx)
            sign = f"{c(_C_SIGN) or 'Thanks,'}\n{contact.name}"
        body = "\n\n".join(
            x for x in (greet, opener, " ".join(s.format_map(ctx) for s in lines), c(_S_CLOSE), sign) if x
        )
        out.append(
            EmailDraft(
                subject if i == 0 else "Re: " + subject,
                body,
                agent.email if agent_turn else contact.email,
                agent_turn,
                times[i],
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# live chat

_CH_A_HELLO = (
    "Hi, thanks for contacting support! My name is {a}. How can I help you today?",
    "Hello {c}, this is {a}. What can I do for you?",
    "Welcome! I'm {a} from customer support. How can I help?",
    "Hi {c}, you're chatting with {a}. What seems to be the problem?",
    "Good to have you here, {c}. I'm {a}; how can I assist?",
    "Hi there! {a} here. What brings you in today?",
)
_CH_V_PROBLEM = (
    "Hi, I have a problem with {p}. {s}", "Hello. {s} This is in {p}.", "Hey, {p} is acting up. {s}",
    "Hi {a}. {s} Can you help?", "Good morning. We use {p} and {sl}", "Hi, quick one about {p}: {sl}",
)
_CH_A_ACK = (
    "I'm sorry to hear that. Let me take a look.", "Thanks for explaining. That sounds frustrating.",
    "Got it, I can help with that.", "Sorry about the trouble! Let's get this sorted.",
    "Thanks, {c}. This looks like {il}.", "Understood. I've seen {il} before; let's work through it.",
)
_CH_QA = (
    ("Which version of {p} are you on?", ("The latest one, I think.", "I'd have to check, but it's fairly recent.",
                                         "Whatever the portal had last month.")),
    ("Does it happen every time, or only sometimes?", ("Every time, unfortunately.", "Only sometimes.", "Most of the time.")),
    ("Is anyone else on your team seeing it?", ("Yes, two colleagues too.", "Just me so far.", "I think everyone is.")),
    ("When did it start?", ("Since yesterday.", "This morning.", "About a week ago.", "Right after the update.")),
    ("Are you on Windows or Linux?", ("Windows 11.", "Linux, Ubuntu 22.04.", "Windows 10 on my laptop.", "RHEL 9.")),
    ("Have you installed any updates recently?", ("We updated last week.", "Not that I know of.", "Maybe, IT pushes them.")),
)
_CH_A_STEP = (
    "Could you try clearing the cache and restarting {p}?", "Please sign out, sign back in and try again.",
    "Can you check whether the license server is reachable?", "Please try disabling plug-ins and run it again.",
    "Could you update to the latest patch from the portal and retry?", "Let's reset your preferences: Help > Reset Settings.",
    "Try opening the project with the compatibility option enabled.", "Could you run the diagnostics tool from the Help menu?",
)
_CH_V_WAIT = ("One sec.", "OK, trying now.", "Give me a minute.", "Sure, hold on.", "Doing it now.", "Ok")
_CH_V_FAIL = ("Still the same.", "No luck, same problem.", "That didn't change anything.", "Nope, still broken.",
              "Hmm, same error.")
_CH_V_OK = ("That worked, thanks!", "It's working now.", "Oh nice, that fixed it.", "Looks good now!",
            "Perfect, problem gone.")
_CH_A_ESC_NEXT = (
    "Thanks for trying. I'll document everything in your case and our engineers will follow up by email.",
    "OK, I'll add these details to your case so the team can dig deeper and get back to you.",
)
_CH_A_ID_ASK = (
    "Before I look at your order, could you confirm the order number and the email on the account?",
    "For security, I need to verify your identity first: what's your order number and the email on file?",
)
_CH_A_MORE = ("Is there anything else I can help you with?", "Anything else today?", "Can I help with anything else?")
_CH_V_BYE = ("No, that's all. Thanks!", "That's it, thank you.", "Nope, thanks for your help.", "All good, bye!",
             "No, thanks a lot.")
_CH_A_BYE = (
    "Thanks for chatting with us, {c}. Have a great day!", "Glad I could help. Take care!",
    "You're welcome! Have a good one.", "Thanks for your patience. Goodbye!",
)


def _hms(t: datetime) -> str:
    return f"[{t.hour:02d}:{t.minute:02d}:{t.second:02d}]"


def chat_transcript(
    rng: random.Random,
    *,
    issue,
    product,
    customer: Person,
    agent: Person,
    start: datetime,
    violation=None,
    policies: Sequence = (),
    priority: str | None = None,
    competitors: Sequence = (),
    decoy_rate: float = 0.35,
    b2c: bool = False,
    reported: datetime | None = None,
    resolution: tuple[dict, str] | None = None,
) -> tuple[str, datetime]:
    """A live chat body (`[HH:MM:SS] Agent Name: ...` / `[HH:MM:SS] Visitor Name: ...`) and its end time.

    `resolution` as in `service_emails`: after the troubleshooting, the agent asks for the evidence
    (unless the mode skips it), the visitor answers and the agent resolves the case.
    Same violation semantics and keyword options as `service_emails`. `reported` (the case's
    creation) makes a stalled escalation state the real hours since then when they exceed the
    deadline; the caller starts such a chat late enough.
    """
    ctx, symptoms, comps = _ctx(issue, product, customer, agent, competitors)
    ctx["b2c"] = b2c
    if reported is not None:
        ctx["gap_h"] = int((start - reported).total_seconds() // 3600)
    ctx["k"] = rng.choice(comps)
    c = rng.choice
    s = c(symptoms)
    ctx["s"] = s
    ctx["sl"] = _lc_first(s)
    an = "Agent " + agent.name
    vn = "Visitor " + customer.name
    turns: list[tuple[str, str]] = [(an, c(_CH_A_HELLO).format_map(ctx)), (vn, c(_pool('_CH_V_PROBLEM', b2c)).format_map(ctx))]
    plan = resolution_turns(rng, *resolution) if resolution is not None else None
    scen = None if plan is not None else _plan_scenario(rng, violation, policies, priority, decoy_rate)
    setup = response = None
    if scen is not None:
        setup, response = _scenario(rng, scen[0], scen[1], scen[2], ctx, b2c)
        if scen[0] == "escalation":
            if scen[2]:
                setup += f" I first reported it {ctx['h']} hours ago."
            turns.append((vn, setup))
            if not scen[2]:
                turns.append((an, response))
                setup = response = None
    turns.append((an, c(_CH_A_ACK).format_map(ctx)))
    q, answers = c(_pool('_CH_QA', b2c))
    turns.append((an, q.format_map(ctx)))
    turns.append((vn, c(answers)))
    fixed = False
    for _ in range(rng.randint(1, 3)):
        turns.append((an, c(_pool('_CH_A_STEP', b2c)).format_map(ctx)))
        if rng.random() < 0.5:
            turns.append((vn, c(_CH_V_WAIT)))
        fixed = rng.random() < 0.45 and plan is None  # with a resolution ahead, the quick steps do not fix it
        turns.append((vn, c(_CH_V_OK if fixed else _pool('_CH_V_FAIL', b2c))))
        if fixed:
            break
    if setup is not None:
        if scen[0] == "identity_verification":
            turns.append((an, c(_CH_A_ID_ASK)))
            turns.append((vn, setup))
        elif scen[0] != "escalation":
            turns.append((vn, setup))
        turns.append((an, response))
    if plan is not None:
        ask, said, done = plan
        if ask is not None:
            turns.append((an, ask))
        turns += [(vn, said), (an, done)]
        fixed = True
    if not fixed:
        turns.append((an, c(_pool('_CH_A_ESC_NEXT', b2c))))
    turns.append((an, c(_CH_A_MORE)))
    turns.append((vn, c(_CH_V_BYE)))
    turns.append((an, c(_CH_A_BYE).format_map(ctx)))
    t = start
    lines = []
    rint = rng.randint
    for who, text in turns:
        t = t + timedelta(seconds=rint(4, 20) + len(text) // 4)
        lines.append(f"{_hms(t)} {who}: {text}")
    return "\n".join(lines), t + timedelta(seconds=rint(2, 30))


# ---------------------------------------------------------------------------------------------
# voice calls (lines `[2023-10-21T10:02:00] Name: text`)


def _iso(t: datetime) -> str:
    return f"[{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}]"


def _render_call(rng: random.Random, start: datetime, turns: list[tuple[str, str]]) -> tuple[str, datetime]:
    t = start
    lines = []
    rint = rng.randint
    for i, (who, text) in enumerate(turns):
        if i:
            t = t + timedelta(seconds=rint(3, 12) + len(text) // 12)
        lines.append(f"{_iso(t)} {who}: {text}")
    return "\n".join(lines), t + timedelta(seconds=rint(5, 40))


_CALL_SMALL = (
    ("How's your week going so far?", ("Pretty busy, but good, thanks.", "Not bad at all. Yourself?", "Hectic, as always, but fine.")),
    ("How are things on your end?", ("Good, thanks for asking.", "Can't complain. The weather finally turned nice.")),
    ("Did you have a good weekend?", ("Yes, quiet one, thanks.", "Too short, as always!", "Great, thanks. You?")),
    ("Thanks for making the time, I know it's a busy season.", ("No problem at all.", "Happy to. It is busy, yes.")),
    ("Is this still a good time to talk?", ("Yes, this works. I have about half an hour.", "Sure, go ahead.")),
    ("I hope the connection's OK; I'm calling from the road.", ("All good here. Sound is fine.", "You're a little quiet, but fine.")),
)
_CALL_SMALL_A2 = ("Glad to hear it.", "Doing well, thanks.", "Great.", "Good stuff.", "Ha, same here.")

_LC_A_OPEN = (
    "Hi {l}, this is {a}. Thanks for taking the time to chat about {p} today.",
    "Hello {l}, {a} here, following up on your inquiry about {p}.",
    "Hi {l}, it's {a}. I saw you downloaded our material on {p}, so I wanted to connect.",
    "Good morning {l}, this is {a}. Thanks for agreeing to a quick discovery call.",
    "Hi {l}, {a} calling. You asked us to get in touch about {p}.",
)
_LC_L_OPEN = ("Hi {a}, thanks for calling.", "Hello {a}. Yes, good to talk.", "Hi, yes, I was expecting your call.",
              "Hey {a}, thanks for following up.", "Hi {a}. Sure, go ahead.")
_LC_Q = {
    "Budget": (
        "Can I ask what budget you have in mind for this?", "Have you set aside a budget for this yet?",
        "What kind of spend are you working with?", "Roughly how much are you looking to invest?",
    ),
    "Authority": (
        "And what's your role in the buying decision?", "Who else is involved in signing off on a purchase like this?",
        "Are you the one who'd approve the purchase?", "Could you tell me a bit about your role there?",
    ),
    "Need": (
        "What's driving your interest right now?", "What problem are you hoping to solve?",
        "Is there a specific project behind this?", "Tell me a bit about what you're working on.",
    ),
    "Timeline": (
        "When are you hoping to make a decision?", "What's your timeline for buying?",
        "How soon would you want something in place?", "Is there a date you're working toward?",
    ),
}
_LC_BUDGET = (
    "We've set aside about {b} for this.", "Our budget for this is {b}, give or take.",
    "Realistically we can spend up to {b}.", "Finance approved {b} for this purchase.",
    "The number I was given is {b}.", "We have roughly {b} to work with.",
)
_LC_BUDGET_C = (
    "I've set aside about {b} for this.", "My budget is around {b}.", "I can spend up to {b}.",
    "I was thinking of spending about {b}.",
)
_LC_AUTH_YES = (
    "I'm the {t}, so the purchasing decision is mine and I can sign off on it myself.",
    "As {t}, I have sign-off authority for purchases like this.",
    "I'm {t} here; I'm the decision maker and I'll sign the order.",
    "This one's my call. I'm the {t} and I own this budget.",
)
_LC_AUTH_NO = (
    "I'm a {t}, so I can't sign off on this myself. The decision sits with our {boss}, and they're not involved yet.",
    "I'm just the {t} doing the research. I don't have authority to approve purchases, and our {boss} hasn't been brought in.",
    "As a {t} I can recommend things, but I can't approve the purchase; our {boss} makes that call and isn't part of these conversations yet.",
)
_LC_AUTH_YES_C = (
    "I'm the {t}, so it's my own decision. I'll be the one buying it.",
    "As the {t}, I make the purchasing decisions myself, so it's up to me.",
    "That's entirely my call; I'm the {t} and nobody else needs to approve it.",
)
_LC_AUTH_NO_C = (
    "I can't decide this on my own. My {boss} is the {t} and makes the purchasing decisions, and they're not on this call.",
    "Honestly, it's not my decision. My {boss} is the {t} and would have to approve it, and they haven't been involved yet.",
)
_LC_NEED_YES = (
    "We have an active {cat} project right now and our current tools aren't keeping up, which is exactly why we're looking at {p}.",
    "We're in the middle of a {cat} project with a hard deadline, and we need {p} to get it done.",
    "Our team has a live {cat} project, and the gaps in our current setup are costing us time. {p} fits that need.",
)
_LC_NEED_NO = (
    "Honestly, there's no active project behind this. Our current setup covers what we do; I'm just keeping an eye on the market.",
    "We don't have a concrete need right now. Nothing is broken, and there's no project that needs new tooling.",
    "To be frank, we're just browsing. There isn't a specific problem we need to solve at the moment.",
)
_LC_NEED_YES_C = (
    "I have a {plan} coming up, and {p} is exactly what I need for it.",
    "I have a real need for it: I'm preparing for a {plan}, and {p} covers exactly that.",
    "It's for a {plan} I've already committed to, so I need something like {p}.",
)
_PLANS_TRIP = ("backpacking trip", "family camping trip", "hiking trip in the Rockies", "week-long canoe trip", "thru-hike next summer")
_PLANS_FIT = ("half-marathon training plan", "home-gym project in the garage", "training goal for a spring race",
              "home-gym setup in the basement", "strength training goal")
_LC_NEED_NO_C = (
    "To be honest, I don't really need it. What I have works fine; I'm just browsing.",
    "There's no real need right now. I was curious, that's all.",
)
_LC_TIME_YES = (
    "We want this in place within {m}.", "We'd like to buy in the next {m}.", "Our plan is to purchase within {m}.",
    "The goal is to have a decision and a purchase done within {m}.",
)
_LC_TIME_NO = (
    "We're not planning to buy for at least {m}.", "Realistically, it'll be {m} before we make any purchase.",
    "Nothing will happen for another {m}; that's when the next budget cycle starts.",
    "We won't be ready to purchase for {m} or so.",
)
_LC_ACK = ("Got it.", "Okay, that's helpful.", "Thanks, noted.", "Understood.", "Makes sense.", "Good to know.", "Right.")
_LC_A_CLOSE = (
    "Thanks, {l}. I'll send a short summary by email and we can decide on next steps from there.",
    "This was really helpful. I'll follow up with some material on {p}.",
    "Great, I have what I need for now. I'll be in touch this week.",
    "Thanks for your time today, {l}. I'll email you a recap.",
)
_LC_L_CLOSE = ("Sounds good, thanks.", "Great, talk soon.", "Thanks, bye for now.", "Perfect. Speak soon.", "Okay, thank you.")
_NON_AUTH_TITLES = (
    "Design Engineer", "Hardware Engineer", "Verification Engineer", "Project Coordinator", "Lab Technician",
    "Firmware Developer", "Research Analyst", "Procurement Specialist", "Junior Engineer", "Test Engineer",
)
_BOSSES_C = ("partner", "husband", "wife", "father", "mother", "business partner")


def _round_money(x: float, up: bool, floor_min: float) -> int:
    step = 1000 if floor_min >= 10000 else 50 if floor_min >= 500 else 5
    v = int(-(-x // step) * step) if up else int(x // step * step)
    return v


def lead_call(
    rng: random.Random,
    *,
    lead: Person,
    company: str | None,
    agent: Person,
    product,
    start: datetime,
    bant_met: dict[str, bool],
    bant: dict,
) -> tuple[str, datetime]:
    """A discovery call where the lead states one unambiguous fact per BANT factor.

    Budget: one `$N` figure, above budget_min when met and below it when not. Authority: the
    lead's title (from `authority_titles` when met) and whether they can sign. Need: an active
    project the product addresses, or none. Timeline: one `N month(s)` figure, within
    timeline_max_months when met and beyond it when not. No other `$` or month figures appear.
    """
    c = rng.choice
    consumer = company is None
    pname = _attr(product, "name", "our product")
    cat = (_attr(product, "category", None) or "design").lower()
    ctx = {"l": lead.first, "a": agent.first, "p": pname, "cat": cat, "plan": c(_PLANS_FIT if ("fitness" in cat or "wearable" in cat) else _PLANS_TRIP)}
    an, ln = agent.name, lead.name
    bmin = float(bant.get("budget_min", 50000))
    titles = tuple(bant.get("authority_titles", ()) or ("Director",))
    tmax = int(bant.get("timeline_max_months", 6))
    turns = [(an, c(_LC_A_OPEN).format_map(ctx)), (ln, c(_LC_L_OPEN).format_map(ctx))]
    if rng.random() < 0.6:
        q, answers = c(_CALL_SMALL)
        turns.append((an, q))
        turns.append((ln, c(answers)))
        if rng.random() < 0.3:
            turns.append((an, c(_CALL_SMALL_A2)))
    order = list(BANT_FACTORS)
    rng.shuffle(order)
    for f in order:
        met = bool(bant_met.get(f, True))
        if f == "Budget":
            if met:
                b = _round_money(bmin * rng.uniform(1.15, 3.0), True, bmin)
            else:
                b = _round_money(bmin * rng.uniform(0.2, 0.75), False, bmin)
                b = max(b, min(5, int(bmin) - 1))
                if b >= bmin:
                    b = int(bmin) - 1
            ans = c(_LC_BUDGET_C if consumer else _LC_BUDGET).format(b=_money(b))
        elif f == "Authority":
            if consumer:
                ans = c(_LC_AUTH_YES_C if met else _LC_AUTH_NO_C).format(t=c(titles), boss=c(_BOSSES_C))
            elif met:
                t = lead.title if lead.title in titles else c(titles)
                ans = c(_LC_AUTH_YES).format(t=t)
            else:
                t = lead.title if lead.title and lead.title not in titles else c(_NON_AUTH_TITLES)
                ans = c(_LC_AUTH_NO).format(t=t, boss=c(titles))
        elif f == "Need":
            if consumer:
                pool = _LC_NEED_YES_C if met else _LC_NEED_NO_C
            else:
                pool = _LC_NEED_YES if met else _LC_NEED_NO
            ans = c(pool).format_map(ctx)
        else:
            m = rng.randint(1, max(1, tmax)) if met else tmax + rng.randint(3, 18)
            ans = c(_LC_TIME_YES if met else _LC_TIME_NO).format(m=f"{m} month" if m == 1 else f"{m} months")
        turns.append((an, c(_LC_Q[f])))
        if consumer:
            ans = ans.replace("We ", "I ").replace("we're", "I'm").replace("Our ", "My ").replace(" we ", " I ")
        turns.append((ln, ans))
        if rng.random() < 0.5:
            turns.append((an, c(_LC_ACK)))
    turns.append((an, c(_LC_A_CLOSE).format_map(ctx)))
    turns.append((ln, c(_LC_L_CLOSE)))
    return _render_call(rng, start, turns)


# ---------------------------------------------------------------------------------------------
# opportunity calls: competitor mentions and sub-topic sentiment

_OC_A_OPEN = (
    "Hi {l}, it's {a}. Thanks for joining. I wanted to check in on where things stand with {p}.",
    "Hello {l}, {a} here. Is now still a good time to go over the {p} proposal?",
    "Hi {l}, thanks for hopping on. I'd love to hear how the team feels about {p} so far.",
    "Good afternoon {l}, this is {a}. Let's pick up where we left off on {p}.",
)
_OC_L_OPEN = ("Hi {a}, yes, good timing.", "Hello {a}. Sure, let's go through it.", "Hey {a}, thanks for calling.",
              "Hi {a}. Yes, I've got some feedback for you.", "Hi, good to talk again.")
_OC_COMP_L = (
    "We're also evaluating {k}.", "{k} gave us a demo last week.", "A couple of people on my team used {k} at their last job.",
    "We have a meeting with {k} on Friday.", "{k} is on our shortlist as well.",
    "Procurement asked me to get a proposal from {k} too.", "Honestly, {k} is the other name still in the running.",
    "Someone in leadership brought up {k}, so we're looking at them.", "We ran a pilot with {k} a while back.",
    "Our sister division already works with {k}.",
)
_OC_COMP_A = (
    "Are you still talking to {k}?", "Where do things stand with {k}?",
    "I know {k} came up last time. Is that still in play?", "Is {k} part of your evaluation?",
)
_OC_COMP_REPLY = ("Understood.", "Thanks for being open about that.", "That's helpful context.", "Okay, good to know.",
                  "Fair enough.")
_OC_NEG_FRAME = (
    "I'll be honest, {t} is a real concern for us.", "We're not happy with the {t} so far.",
    "The {t} is a sticking point for our team.", "Frankly, the {t} has been disappointing.",
    "My biggest worry right now is {t}.", "The {t} is a problem for us, to be blunt.",
)
_OC_POS_FRAME = (
    "The {t} looks great to us.", "We're really pleased with the {t}.", "Honestly, {t} is a big plus for us.",
    "The team loved what they saw on {t}.", "No complaints on {t}; it's been excellent.",
    "The {t} is one of the strongest parts of your offer.",
)
# What a customer says about a sub-topic, by sentiment (each line says the topic in lower case and,
# when negative, one of sales_insight_mining's negative cues; positive lines carry none).
_OC_NEG = {
    "Pricing": ("The pricing is well above what we budgeted.", "Your pricing is too high compared with what we expected.",
                "Pricing is our biggest problem; finance pushed back hard."),
    "Product Features": ("A couple of product features we need for signoff are missing.",
                         "The product features feel thin next to what we saw elsewhere.",
                         "We're disappointed with the product features in the base edition."),
    "Customer Support": ("Customer support during the trial was poor; tickets sat for days.",
                         "We're unhappy with customer support; nobody answered our questions for a week.",
                         "Customer support is a real worry after the trial."),
    "Implementation Timeline": ("The implementation timeline you proposed is too long.",
                                "I'm worried about the implementation timeline; we can't wait that long.",
                                "The implementation timeline is a problem for our tape-out date."),
    "Integration": ("The integration with our existing flow looks harder than we were told.", "Integration is a mess; our engineers couldn't connect it to our build system.",
                    "We're frustrated with the integration effort so far."),
    "Licensing Terms": ("The licensing terms are too restrictive for how we work.", "We don't like the licensing terms at all; node-locking is a non-starter.",
                        "The licensing terms are confusing and inflexible."),
    "Performance": ("The performance on our large designs was disappointing.", "Performance was poor in the benchmark; runs took twice as long as we expected.",
                    "We're concerned about performance; it slowed to a crawl on real data."),
    "Documentation": ("The documentation is thin and out of date.", "Our engineers complained that the documentation is missing key examples.",
                      "The documentation was frustrating to work with during the trial."),
    "Contract Length": ("The contract length is too long; we can't commit to three years.", "We're not comfortable with the contract length you proposed.",
                        "Contract length is a problem; legal won't sign a multi-year lock-in."),
    "Training": ("The training offer is too limited for a team our size.", "The training sessions during the pilot were poor and rushed.",
                 "We're disappointed with the training options."),
    "Data Migration": ("Data migration looks painful; we'd lose years of history.", "The data migration plan worries me; it's risky and manual.",
                       "We're unhappy with the data migration effort you estimated."),
    "Onboarding": ("The onboarding plan feels too slow for us.", "I'm worried about onboarding; our last rollout was painful and this looks no better.",
                   "The onboarding schedule you proposed is too long."),
}
_OC_POS = {
    "Pricing": ("The pricing is very reasonable for what we get.", "Pricing came in better than we expected, which finance liked.",
                "We're happy with the pricing."),
    "Product Features": ("The product features cover everything on our checklist.", "We really like the product features in the new release.",
                         "The product features are exactly what our engineers asked for."),
    "Customer Support": ("Customer support during the trial was fantastic.", "We were impressed by customer support; answers came within the hour.",
                         "Customer support has been great."),
    "Implementation Timeline": ("The implementation timeline works well for us.", "We're happy with the implementation timeline you laid out.",
                                "The implementation timeline fits our plan nicely."),
    "Integration": ("The integration with our build system worked great out of the box.", "Integration was painless; our engineers were impressed.",
                    "We love how clean the integration is."),
    "Licensing Terms": ("The licensing terms are flexible and easy to understand.", "We like the licensing terms a lot; floating seats suit us.",
                        "The licensing terms work well for us."),
    "Performance": ("The performance on our large designs was excellent.", "Performance blew us away in the benchmark.",
                    "We're very happy with the performance."),
    "Documentation": ("The documentation is clear and thorough.", "Our engineers loved the documentation and its examples.",
                      "Great documentation, honestly."),
    "Contract Length": ("The contract length works well for us.", "We're comfortable with the contract length you proposed.",
                        "The one-year contract length is exactly what we wanted."),
    "Training": ("The training sessions were excellent.", "We really liked the training offer.", "Training was a highlight of the pilot."),
    "Data Migration": ("The data migration plan looks solid and low-risk.", "We're pleased with how easy data migration looks.",
                       "The data migration tooling impressed our admins."),
    "Onboarding": ("The onboarding plan is excellent and well structured.", "We really like the onboarding approach you described.",
                   "Onboarding looks smooth, which is a relief."),
}
_OC_NEG_C = {
    "Pricing": ("The pricing is too high for my budget.", "Honestly, the pricing is a problem for me."),
    "Delivery Time": ("The delivery time is too long; I need it before my trip.", "I'm worried about the delivery time; two weeks is a lot."),
    "Product Quality": ("I'm concerned about the product quality after reading some reviews.",
                        "The product quality of the one I saw in the store was disappointing."),
    "Warranty": ("The warranty seems too limited for the price.", "I'm not happy with the warranty; it doesn't cover much."),
    "Return Policy": ("The return policy is too restrictive for me.", "I don't like the return policy; a month isn't enough to try it properly."),
    "Sizing": ("The sizing is confusing; I'm between two sizes.", "I'm worried about sizing; the last pair I bought ran small."),
    "Durability": ("I'm concerned about durability; my last one broke in a season.", "Durability is my biggest worry."),
    "Customer Service": ("Customer service was too slow to answer my questions.", "I was disappointed with customer service when I called last week."),
    "Financing Options": ("The financing options are confusing.", "I don't like the financing options; the interest is too high."),
    "Stock Availability": ("Stock availability is a problem; my size is sold out everywhere.",
                           "I'm frustrated with stock availability; it's been out of stock twice."),
}
_OC_POS_C = {
    "Pricing": ("The pricing is fair for what I get.", "I'm happy with the pricing."),
    "Delivery Time": ("The delivery time is great; it would arrive before my trip.", "A two-day delivery time is perfect for me."),
    "Product Quality": ("The product quality looked excellent in the store.", "I'm impressed by the product quality."),
    "Warranty": ("The warranty is generous, which I like.", "The warranty gives me peace of mind."),
    "Return Policy": ("The return policy is really reassuring.", "I like that the return policy is so flexible."),
    "Sizing": ("The sizing guide was spot on for me.", "Sizing was easy; the fit is perfect."),
    "Durability": ("The durability reviews are excellent.", "I love the durability; my friend's has lasted years."),
    "Customer Service": ("Customer service was very helpful when I called.", "Customer service has been great so far."),
    "Financing Options": ("The financing options make this affordable for me.", "I like the financing options a lot."),
    "Stock Availability": ("Stock availability looks good; my size is in stock.", "Good stock availability, which matters to me."),
}
_OC_NEG_REPLY = (
    "I hear you. Let me take that back to the team and see what we can do.", "That's fair feedback; I'll follow up with some options.",
    "Understood, thanks for being upfront about it.", "I appreciate the honesty. Let me see how we can address that.",
    "Got it. I'll talk to my manager and come back to you.", "Sorry to hear that. I'll work on it.",
)
_OC_POS_REPLY = ("Great to hear.", "Glad that's landing well.", "That's good to know, thanks.", "Excellent.",
                 "Love to hear that.", "Good, that's what we were hoping.")
_OC_A_CLOSE = (
    "Thanks, {l}. I'll send a recap and a few options after this call.", "This was helpful. I'll follow up by email this week.",
    "Thanks for the candid feedback. Let's reconnect early next week.", "Appreciate it, {l}. Talk soon.",
)
_OC_L_CLOSE = ("Sounds good.", "Thanks, {a}. Talk soon.", "Great, speak next week.", "Okay, bye for now.", "Perfect, thanks.")


def opportunity_call(
    rng: random.Random,
    *,
    contact: Person,
    agent: Person,
    product,
    start: datetime,
    competitors: list,
    negative_topics: list[str],
    positive_topics: list[str],
    b2c: bool = False,
) -> tuple[str, datetime]:
    """A call on an open opportunity.

    Each name in `competitors` is mentioned exactly once per occurrence in the list (and no other
    competitor is named); each negative topic gets one clearly negative statement and each
    positive topic one clearly positive statement, using the topic words; other sub-topics are not
    mentioned.
    """
    c = rng.choice
    ctx = {"l": contact.first, "a": agent.first, "p": _attr(product, "name", "our product")}
    an, ln = agent.name, contact.name
    turns = [(an, c(_pool('_OC_A_OPEN', b2c)).format_map(ctx)), (ln, c(_OC_L_OPEN).format_map(ctx))]
    if rng.random() < 0.5:
        q, answers = c(_CALL_SMALL)
        turns.append((an, q))
        turns.append((ln, c(answers)))
    items = [("k", _attr(k, "name", k)) for k in competitors]
    items += [("n", t) for t in negative_topics]
    items += [("p", t) for t in positive_topics]
    rng.shuffle(items)
    for kind, val in items:
        if kind == "k":
            if rng.random() < 0.25:
                turns.append((an, c(_OC_COMP_A).format(k=val)))
                turns.append((ln, c(("Yes, still.", "Yes, they're in the mix.", "For now, yes.", "We are."))))
            else:
                turns.append((ln, c(_pool('_OC_COMP_L', b2c)).format(k=val)))
                if rng.random() < 0.6:
                    turns.append((an, c(_OC_COMP_REPLY)))
        else:
            neg = kind == "n"
            spec = ((_OC_NEG_C if neg else _OC_POS_C) if b2c else (_OC_NEG if neg else _OC_POS)).get(val)
            if spec and rng.random() < 0.6:
                text = c(spec)
            else:
                text = c(_pool('_OC_NEG_FRAME' if neg else '_OC_POS_FRAME', b2c)).format(t=val.lower())
                text = text[:1].upper() + text[1:]
            turns.append((ln, text))
            turns.append((an, c(_OC_NEG_REPLY if neg else _OC_POS_REPLY)))
    turns.append((an, c(_OC_A_CLOSE).format_map(ctx)))
    turns.append((ln, c(_OC_L_CLOSE).format_map(ctx)))
    return _render_call(rng, start, turns)
