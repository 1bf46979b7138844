"""The phrase tables of org/dialogue.py: the template pools its generators draw from.

Plain tables only (tuples and dicts of format strings); dialogue.py holds the logic that picks
from them with a seeded rng and states each planted fact. Placeholders: {c} customer first name,
{a} agent first name, {p} product, {i} issue, {k} competitor, {t} sub-topic; others as noted.
`B2C` holds consumer wordings of the pools whose B2B wording is software-specific, by pool name
(dialogue._pool picks them in a B2C org). The order of entries is part of the output: a seeded
choice picks by position, so reordering a pool changes every generated org.
"""

from __future__ import annotations

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
FALLBACK_COMPETITORS = ("Cadmus EDA", "Altivo Design", "Mentorix Solutions", "OpenCircuit Labs")
FEATURES = (
    "a dark theme", "PDF export of reports", "single sign-on with Okta", "a command-line batch mode",
    "side-by-side comparison of two runs", "native support for ARM laptops", "a REST API for job submission",
    "scheduled report emails", "multi-monitor layouts", "an offline installer", "role-based access control",
    "a Python scripting console", "two-factor authentication by hardware key", "custom dashboard widgets",
)
ORDER_DETAILS = (
    "your order {order} for {qty} {p} licenses was shipped to the address on file in {city} and charged to the card ending in {card}",
    "I can see order {order}: {qty} seats of {p}, billed on {date} to the card ending in {card}",
    "your order {order} ({qty} x {p}) was invoiced on {date} and paid with the card ending in {card}",
    "order {order} shows {qty} {p} licenses, delivered to {city}, with the card ending in {card} on file",
)
CITIES = ("Austin", "Denver", "Portland", "Raleigh", "Columbus", "Tucson", "Madison", "Boise", "Richmond", "Omaha")


# ---------------------------------------------------------------------------------------------
# service emails: template pools ({c} customer first, {a} agent first, {p} product, {i} issue)

C_GREET_FIRST = (
    "Hello,", "Hi there,", "Hello support team,", "Hi support,", "Good morning,", "Good afternoon,",
    "Dear Support Team,", "To whom it may concern,", "Hi team,", "Hey folks,",
)
C_GREET = (
    "Hi {a},", "Hello {a},", "Thanks {a},", "Hi again {a},", "{a},", "Dear {a},", "Morning {a},",
    "Hey {a},", "Hello again,", "Hi,",
)
C_OPEN = (
    "I'm writing about a problem with {p}.", "We've run into an issue with {p} and could use some help.",
    "I need help with {p}.", "Something is wrong with our {p} setup.", "Our team is stuck on a {p} problem.",
    "I'd like to report a problem we're seeing in {p}.", "Quick question about {p}, though it's becoming urgent.",
    "We have been fighting with {p} for a couple of days now.", "I hope you can help us with {p}.",
    "Reaching out because {p} is giving us trouble.", "I'm opening a ticket for an issue in {p}.",
    "Hoping someone can take a look at a {p} issue for us.",
)
C_CONTEXT = (
    "It started after our last update.", "Nothing changed on our side as far as I know.",
    "It happens on every workstation we've tried.", "It only happens on some machines, which is odd.",
    "It was working fine last week.", "We first noticed it on Monday morning.",
    "A colleague sees the same thing on her machine.", "We've already restarted everything twice.",
    "It seems to happen more often with larger projects.", "I checked the release notes but found nothing relevant.",
    "Our IT team confirmed the network is fine.", "It's intermittent, maybe one time in three.",
)
C_IMPACT = (
    "This is blocking our team's work.", "We have a deadline at the end of the week, so any help is appreciated.",
    "It's slowing us down quite a bit.", "A few people are waiting on this before they can continue.",
    "It's getting in the way of our daily work.", "We'd appreciate a quick look.",
    "Our project schedule depends on this, unfortunately.", "Please let me know what you need from us.",
    "We can work around it for now, but not for long.", "Management is asking me for an update.",
)
C_FOLLOW = (
    "Thanks for getting back to me.", "Appreciate the quick reply.", "Thanks for the suggestions.",
    "Thank you for looking into this.", "Got it, thanks.", "Thanks, that's helpful.",
    "Sorry for the slow reply, it's been a busy week.", "Following up on your last email.",
)
C_TRIED_FAIL = (
    "I tried the steps you suggested, but the problem is still there.",
    "Unfortunately that didn't fix it; we see exactly the same behaviour.",
    "We followed your instructions and it still happens.",
    "I did what you described. No change, sadly.",
    "That helped a little, but the issue came back after an hour.",
    "We tried it on two machines and neither improved.",
)
C_TRIED_OK = (
    "Good news: your suggestion worked and everything is back to normal.",
    "That did the trick, thank you!", "The fix worked. We're up and running again.",
    "I applied the change and the problem is gone.", "Everything looks good now after following your steps.",
    "Confirmed fixed on all our machines.",
)
C_DETAILS = (
    "To answer your questions: we're on the latest version, and it happens for every user.",
    "We run it on Windows 11 workstations with 64 GB of RAM.", "The log file is attached as you asked.",
    "We're on Linux, RHEL 9, with the license server on a separate host.",
    "I've attached screenshots of the error.", "It happens with both small and large projects.",
    "The version is the one we installed last month from the portal.",
    "Here are the details you asked for: three users, one site, all on the same network.",
)
C_WAITING = (
    "Any update on this?", "Just checking in on this ticket.", "Is there any news?",
    "Could you give me a status update, please?", "Following up again, as we're still blocked.",
    "Haven't heard back in a while; is someone still working on this?",
)
C_THANKS = (
    "Thanks again for your help!", "Really appreciate the support.", "Thanks for sorting this out so quickly.",
    "Great service, thank you.", "Thanks, you can close the ticket.", "Much appreciated.",
    "Thank you, that's all we needed.", "Cheers for the help.",
)
C_SIGN = ("Thanks,", "Best,", "Regards,", "Best regards,", "Cheers,", "Thank you,", "Kind regards,", "Many thanks,", "")
A_GREET = (
    "Hi {c},", "Hello {c},", "Dear {c},", "Good morning {c},", "Good afternoon {c},", "Hi {c}, thanks for reaching out.",
    "Hello {cn},", "Dear {cn},", "Hi {c} -", "Thanks for writing in, {c}.",
)
A_ACK = (
    "Thank you for contacting us about {p}.", "Thanks for the detailed report on {p}.",
    "I'm sorry to hear {p} is giving you trouble.", "Thanks for letting us know about this.",
    "I've picked up your case and I'm happy to help.", "I understand how frustrating this must be.",
    "Apologies for the inconvenience this has caused.", "Thanks for your patience while I reviewed this.",
    "I'm sorry for the disruption to your team.", "I appreciate you flagging this so clearly.",
)
A_RESTATE = (
    "From your description, this looks like a case of {il}.", "It sounds like you're running into {il}.",
    "What you describe matches what we'd classify as {il}.", "This appears to be {il} in {p}.",
    "I've logged this as {il} on our side.", "Based on the symptoms, we're looking at {il}.",
)
A_ASK = (
    "Could you tell me which version of {p} you're running?", "Could you send me the log file from the last run?",
    "Does this happen for every user, or only some?", "Could you share a screenshot of the error?",
    "When did you first notice the problem?", "Has anything changed in your environment recently?",
    "Which operating system are the affected machines on?", "Can you reproduce it with a small test project?",
)
A_STEP = (
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
A_FIX = (
    "Our engineers identified the cause and a patch is now available in the portal.",
    "The issue was a configuration mismatch, which I've corrected on our side.",
    "This was caused by a known defect; the hotfix attached to this case resolves it.",
    "I've reset the affected settings on your account, which should resolve it.",
    "Applying the latest service pack should fix this permanently.",
    "Our team deployed a fix this morning, so you should no longer see the problem.",
)
A_CHECK = (
    "Please let me know if that helps.", "Let me know how it goes.", "I'll keep the case open until you confirm.",
    "Feel free to reply with any questions.", "I'll check back with you tomorrow.",
    "If the problem persists, just reply to this email.", "Looking forward to hearing from you.",
)
A_CLOSE = (
    "I'm glad we could resolve this. I'll close the case now, but you can reopen it by replying.",
    "Great to hear it's working. I'm marking this case as resolved.",
    "Thanks for confirming. I'll close this ticket; don't hesitate to reach out again.",
    "Happy to help! The case is now closed.", "Glad that did it. Have a great rest of your week.",
    "Thanks for your patience throughout. Closing the case now.",
)
A_WRAP = (
    "Please give it a try; if I don't hear back within a few days I'll close the case.",
    "Let me know once you've confirmed, and I'll close the case.",
    "I'll mark the case as resolved, but just reply if anything comes back.",
    "Everything should be working now. I'll close the case after you confirm.",
)
A_NUDGE = (
    "I wanted to check whether you had a chance to try the steps below.",
    "Just following up on my previous email.", "Checking in to see if the issue is still occurring.",
    "I haven't heard back, so I wanted to make sure my last message reached you.",
)
A_SIGN = ("Best regards,", "Kind regards,", "Regards,", "Best,", "Thanks,", "Sincerely,", "Warm regards,", "All the best,")
A_ROLE = ("Customer Support", "Support Engineer", "Technical Support", "Customer Success", "Support Team")


# ---------------------------------------------------------------------------------------------
# policy scenarios: (customer setup, agent response). Violating responses state the breach with
# the planted fact (days since purchase, credit amount, feature date, ...); compliant ones stay
# inside the rule, so a reader must compare against the article.

REFUND_ASK = (
    "We bought {p} {d} days ago and I'd like a full refund.",
    "I purchased {p} {d} days ago and want my money back.",
    "It's been {d} days since we purchased {p}, and we'd like to request a refund.",
    "Our order for {p} was placed {d} days ago; please refund it in full.",
    "Can I return {p}? We bought it {d} days ago and it isn't working for us.",
)
REFUND_VIOLATE = (
    "I've gone ahead and approved a full refund for your {p} purchase from {d} days ago; the money will be back on your card within 5-7 business days.",
    "No problem at all: I've processed a full refund for {p}, even though the purchase was {d} days ago. You'll see it in a few days.",
    "I've issued a full refund for the {p} order you placed {d} days ago. Sorry again for the trouble.",
    "Your refund for {p} (purchased {d} days ago) has been approved and processed.",
)
REFUND_DECLINE = (
    "I'm sorry, but our refund window is {w} days from purchase, so I can't refund a purchase made {d} days ago. I can help you get {p} working instead.",
    "Refunds are only available within {w} days of purchase, and your order was {d} days ago, so I'm not able to approve one. Let's see what else I can do.",
)
REFUND_APPROVE_OK = (
    "Since you bought {p} only {d} days ago, you're within our {w}-day refund window; I've approved a full refund.",
    "Your purchase was {d} days ago, inside the {w}-day refund period, so I've processed the refund for you.",
)
REFUND_FORWARD = (
    "I've passed your refund request to our billing team, who will review it against our refund policy and get back to you.",
    "Refund decisions go through billing, so I've forwarded your request there; they'll confirm eligibility under our refund policy.",
)
CREDIT_ASK = (
    "Given the downtime, I think we deserve a credit on our account.",
    "After all this trouble, could you credit us {y}?", "We lost days of work. I'd like a credit of some kind.",
    "Is there any compensation for the time we've lost? Something like {y} would seem fair.",
)
CREDIT_GIVE = (
    "As a goodwill gesture, I've applied a credit of {x} to your account.",
    "I'm sorry for the disruption; I've added a credit of {x} to your next invoice.",
    "To make up for the downtime I've issued a credit of {x} to your account.",
    "I've approved a credit of {x}, which you'll see on your account within a day.",
)
CREDIT_DECLINE = (
    "I understand the frustration, but I'm not able to issue account credits myself; I've raised your request with our billing team.",
    "I can't approve a credit of that size, but I've asked our billing team to review what we can offer under our policy.",
)
ID_FAIL = (
    "I don't have the order number with me, and I'm writing from my personal email, not the one on the account. Can you check my order anyway?",
    "I can't find the order number, sorry, and the email on file is an old address I no longer use.",
    "I don't remember which email we used for the account and I don't have the order number. Can't you just look it up?",
    "I tried to verify but the details I gave didn't match. I don't have the order number handy either.",
)
ID_OK = (
    "Here's the verification you asked for: the order number is {order} and I'm writing from the email on the account.",
    "For verification: order {order}, and this is the email address registered on our account.",
)
ID_VIOLATE = (
    "No problem, I can skip the verification this time: {details}.",
    "That's fine, I'll go ahead without verifying. Looking at your account, {details}.",
    "Don't worry about the verification. I checked for you and {details}.",
)
ID_VERIFIED = (
    "Thank you, that matches our records, so you're verified. {Details}.",
    "Thanks for verifying your identity. Looking at the account, {details}.",
)
ID_DECLINE = (
    "I'm sorry, but I can't discuss any order or account details until we can verify your identity. Once you have the order number, reply from the email on the account and I'll help right away.",
    "For your security I'm unable to share order details without verification. If you can find the order number or write from the registered email, I'll pick this up straight away.",
)
ROADMAP_ASK = (
    "Is {f} on your roadmap? We really need it.", "When will {p} get {f}? It's holding us back.",
    "Our team keeps asking for {f}. Any plans to add it?", "Can you tell me if {f} is coming soon?",
)
ROADMAP_VIOLATE = (
    "Good news: {f} is coming in the next release in {m}, so you'll have it by then.",
    "I can promise you {f} will ship in the {m} release; it's already committed.",
    "Our product team has confirmed {f} for the release in {m}. You can plan around that.",
    "You'll get {f} in the next release, which is scheduled for {m}.",
)
ROADMAP_OK = (
    "I can't share timelines or make commitments about unreleased features, but I've logged your request for {f} with our product team.",
    "We don't comment on future release plans, but I've recorded {f} as a feature request so the product managers see it.",
    "I'm not able to promise anything about {f}, but your request is now on file with product management.",
)
COMP_ASK = (
    "We're thinking about switching to {k}; they say their tool handles this better.",
    "Honestly, a colleague says {k} doesn't have this problem. Should we just move to them?",
    "{k} offered us a trial. Why should we stay with {p}?",
    "How does {p} compare to {k} for this kind of work?",
)
COMP_VIOLATE = (
    "Honestly, {k}'s product is junk; we get customers coming back from them all the time.",
    "I wouldn't touch {k}. Their software is garbage and their team doesn't know what they're doing.",
    "Between us, {k} is a joke. Their tool falls over on anything serious.",
    "Trust me, {k}'s product is a mess; you'd regret switching within a month.",
)
COMP_OK = (
    "I can't speak to {k}'s product, but I'm happy to show you what {p} can do for this use case.",
    "Every team's needs are different, and I'd rather focus on getting {p} working well for you than comment on {k}.",
    "I'll leave the comparison with {k} to you, but I'm confident we can resolve this in {p}.",
)
ESC_ASK = (
    "This is critical: our production environment is down and the whole team is blocked.",
    "To be clear, this is a critical issue. Nothing works and we're losing money every hour.",
    "This is a critical outage for us. Our entire design team is idle.",
)
ESC_VIOLATE = (
    "I know this is critical, but I'm going to keep working on it myself rather than escalating for now. It's been {h} hours since your report, and I'd like another day before involving Tier 2.",
    "I haven't escalated this yet, {h} hours after you reported it. I'd prefer to keep investigating myself before handing it to engineering.",
    "It's been {h} hours since your critical report and I'm still handling it on my own; I don't think escalation is needed yet.",
)
ESC_OK = (
    "Given how critical this is, I escalated it to our Tier 2 engineering team as soon as your report came in.",
    "Because this is a critical outage, I escalated your case to our senior engineers right away; they're on it now.",
    "I've escalated this to Tier 2 immediately, as we do for every critical case.",
)


# ---------------------------------------------------------------------------------------------
# consumer (B2C) variants of the pools whose wording is software/enterprise-specific

B2C = {
    "C_CONTEXT": (
        "I've only used it a couple of times.", "It was fine on the first trip.", "I followed the instructions exactly.",
        "It happened again this morning.", "My partner noticed it first.", "The packaging looked fine when it arrived.",
        "I checked the FAQ on your website but found nothing.", "It's the second time this has happened.",
        "It gets worse the more I use it.", "Nothing was dropped or damaged as far as I know.",
    ),
    "C_IMPACT": (
        "I'm leaving on a trip soon, so I'd appreciate a quick answer.", "It's really disappointing.",
        "Please let me know what you need from me.", "I'd like to get this sorted as soon as possible.",
        "I was really looking forward to using it.", "I'd appreciate a quick look.",
    ),
    "C_DETAILS": (
        "To answer your questions: it happens every time I use it.", "I've attached a couple of photos.",
        "I bought it from your website.", "It's the standard version, not the one on sale.",
        "I've only had it out twice.", "Here's a short video showing the problem.", "I used it indoors, at room temperature.",
    ),
    "C_TRIED_FAIL": (
        "I tried what you suggested, but the problem is still there.", "Unfortunately that didn't fix it.",
        "I followed your steps and it still happens.", "No change, sadly.", "It seemed better for a day, then the problem came back.",
    ),
    "C_TRIED_OK": (
        "Good news: your suggestion worked.", "That did the trick, thank you!", "The replacement arrived and works perfectly.",
        "It works now. Thanks!", "All sorted, everything works as it should.",
    ),
    "A_ASK": (
        "Could you send me a photo of the problem?", "When did you first notice it?", "How many times have you used it so far?",
        "Could you describe exactly what happens?", "Could you send a short video if possible?", "Has it been stored somewhere damp or hot?",
    ),
    "A_STEP": (
        "Please fully charge it and try again.", "Could you try a factory reset by holding the power button for ten seconds?",
        "Please check that all parts are seated properly, following page 4 of the guide.",
        "Try updating the companion app and pairing it again.", "Please clean the connector with a dry cloth and try again.",
        "Could you check the serial number label and send me a photo of it?", "Please let it dry completely before testing again.",
    ),
    "A_FIX": (
        "I've arranged a replacement, which will ship within two business days.", "I've sent you the missing part by express post.",
        "Our team confirmed a firmware update resolves this; it's now available in the app.",
        "A replacement unit is on its way to you.", "I've sent a prepaid label so we can repair it for you free of charge.",
    ),
    "ORDER_DETAILS": (
        "your order {order} for {qty} x {p} was shipped to your address in {city} and charged to the card ending in {card}",
        "I can see order {order}: {qty} x {p}, placed on {date} and paid with the card ending in {card}",
        "your order {order} ({p}) was delivered to {city} on {date}; the card ending in {card} was charged",
    ),
    "FEATURES": (
        "a lighter version", "a larger size", "a women's fit", "Strava sync in the app", "a longer-lasting battery",
        "a waterproof model", "a version in green", "a kids' size", "offline maps in the app", "a two-pack bundle",
    ),
    "ESC_ASK": (
        "This is critical for me: I can't use it at all and I leave on a trip in two days.",
        "To be clear, this is critical. I'm worried it isn't safe to use.",
        "This is a critical problem for my family; we rely on it and nothing works.",
    ),
    "CH_A_STEP": (
        "Could you try charging it fully and turning it on again?", "Please hold the power button for ten seconds to reset it.",
        "Can you check that every pole is fully seated in its hub?", "Please reinstall the app and pair it again.",
        "Could you send a photo of the label on the inside?", "Let's try a factory reset from the settings menu.",
    ),
    "CH_QA": (
        ("When did you buy {p}?", ("Recently, I think.", "A little while ago.", "I'd have to check my email.")),
        ("Does it happen every time, or only sometimes?", ("Every time, unfortunately.", "Only sometimes.", "Most of the time.")),
        ("Have you used it before, or is this the first time?", ("First time.", "A couple of times.", "Many times, no issues until now.")),
        ("Is there any visible damage?", ("No, it looks fine.", "A small crack, yes.", "Not that I can see.")),
    ),
    "CH_A_ESC_NEXT": (
        "Thanks for trying. I'll add everything to your case and a product specialist will follow up by email.",
        "OK, I'll note all of this on your case so we can arrange the next step and email you.",
    ),
    "OC_NEG_FRAME": (  # same sentiment cues as the B2B frames, in one person's voice
        "I'll be honest, {t} is a real concern for me.", "I'm not happy with the {t} so far.",
        "The {t} is a sticking point for me.", "Frankly, the {t} has been disappointing.",
        "My biggest worry right now is {t}.", "The {t} is a problem for me, to be blunt.",
    ),
    "OC_POS_FRAME": (
        "The {t} looks great to me.", "I'm really pleased with the {t}.", "Honestly, {t} is a big plus for me.",
        "I loved what I saw on {t}.", "No complaints on {t}; it's been excellent.",
        "The {t} is one of the strongest parts of your offer.",
    ),
    "C_OPEN": (
        "I'm writing about a problem with the {p} I bought from you.", "I ordered {p} recently and I'm having trouble with it.",
        "I need help with my {p}.", "Something is wrong with my {p}.", "I'd like to report a problem with {p}.",
        "I've had {p} for a little while now and something isn't right.", "I hope you can help me with my {p}.",
        "I'm contacting you because my {p} is giving me trouble.", "My family and I have a problem with {p}.",
        "I bought {p} for an upcoming trip and ran into an issue.",
    ),
    "A_ACK": (
        "Thank you for contacting us about your {p}.", "Thanks for the detailed description of the problem with {p}.",
        "I'm sorry to hear your {p} is giving you trouble.", "Thanks for letting us know about this.",
        "I've picked up your case and I'm happy to help.", "I understand how frustrating this must be.",
        "Apologies for the inconvenience this has caused.", "Thanks for your patience while I looked into this.",
        "I'm sorry this happened with something you were looking forward to.",
    ),
    "C_WAITING": (
        "Any update on this?", "Just checking in on my case.", "Is there any news?", "Could you give me a status update, please?",
        "Following up again, as I still can't use it.", "Haven't heard back in a while; is someone still looking at this?",
    ),
    "A_ROLE": ("Customer Care", "Customer Support", "Customer Service", "Support Team", "Customer Care Team"),
    "REFUND_ASK": (
        "I bought {p} {d} days ago and I'd like a full refund.", "I purchased {p} {d} days ago and want my money back.",
        "It's been {d} days since I bought {p}, and I'd like to request a refund.",
        "I ordered {p} {d} days ago; please refund it in full.",
        "Can I return {p}? I bought it {d} days ago and it isn't working for me.",
    ),
    "CREDIT_ASK": (
        "Given all this hassle, I think I deserve some store credit.", "After all this trouble, could you credit me {y}?",
        "I missed a trip because of this. I'd like a credit of some kind.",
        "Is there any compensation for the trouble? Something like {y} would seem fair.",
    ),
    "CREDIT_GIVE": (
        "As a goodwill gesture, I've applied a credit of {x} to your account.",
        "I'm sorry for the trouble; I've added a credit of {x} to your account for your next order.",
        "To make up for the hassle I've issued a credit of {x} to your account.",
        "I've approved a credit of {x}, which you'll see on your account within a day.",
    ),
    "ROADMAP_ASK": (
        "Are you planning {f}? I'd buy it straight away.", "When will {p} come in {f}?",
        "My friends and I keep wishing there was {f}. Any plans?", "Can you tell me if {f} is coming soon?",
    ),
    "COMP_ASK": (
        "I'm thinking about switching to {k}; a friend says their gear doesn't have this problem.",
        "Honestly, my brother says {k} never has this issue. Should I just buy theirs instead?",
        "{k} has a sale on right now. Why should I stick with {p}?", "How does {p} compare to what {k} sells?",
    ),
    "COMP_VIOLATE": (
        "Honestly, {k}'s gear is junk; we get customers coming back from them all the time.",
        "I wouldn't touch {k}. Their products are garbage and they fall apart in a season.",
        "Between us, {k} is a joke. Their stuff falls apart on the first real trip.",
        "Trust me, {k}'s products are a mess; you'd regret switching within a month.",
    ),
    "COMP_OK": (
        "I can't speak to {k}'s products, but I'm happy to make sure your {p} works the way it should.",
        "Everyone's needs are different, and I'd rather focus on getting your {p} sorted than comment on {k}.",
        "I'll leave the comparison with {k} to you, but I'm confident we can fix this for you.",
    ),
    "ESC_VIOLATE": (
        "I know this is critical, but I'm going to keep working on it myself rather than escalating for now. It's been {h} hours since your report, and I'd like another day before involving our product safety team.",
        "I haven't escalated this yet, {h} hours after you reported it. I'd prefer to keep investigating myself before handing it to our safety specialists.",
        "It's been {h} hours since your critical report and I'm still handling it on my own; I don't think escalation is needed yet.",
    ),
    "ESC_OK": (
        "Given how critical this is, I escalated it to our product safety team as soon as your report came in.",
        "Because this is a critical safety issue, I escalated your case to our senior specialists right away; they're on it now.",
        "I've escalated this to our product safety team immediately, as we do for every critical case.",
    ),
    "CH_V_PROBLEM": (
        "Hi, I have a problem with my {p}. {s}", "Hello. {s} This is with my {p}.", "Hey, my {p} isn't right. {s}",
        "Hi {a}. {s} Can you help?", "Good morning. I bought {p} from you and {sl}", "Hi, quick one about {p}: {sl}",
    ),
    "CH_V_FAIL": ("Still the same.", "No luck, same problem.", "That didn't change anything.", "Nope, still not right.",
                   "Hmm, same thing."),
    "S_SUBJECT": {
        "Qualification": ("Your interest in {p}", "Following up on your visit", "Quick hello from {a}", "{o}: next steps"),
        "Discovery": ("Options for {p}", "Trying {p} in store", "Size and fit guide", "{p}: a few questions"),
        "Quote": ("Your quote for {o}", "Price summary: {p}", "Your price for {o}", "Quote for {p}"),
        "Negotiation": ("An updated offer for {o}", "About the bundle price", "Your offer: {p}", "Final price for {o}"),
        "Closed": ("Thank you for your order", "Order confirmed: {o}", "Your {p} is on its way", "After your purchase"),
    },
    "OC_A_OPEN": (
        "Hi {l}, it's {a}. Thanks for taking my call. I wanted to check in on where things stand with {p}.",
        "Hello {l}, {a} here. Is now still a good time to go over the offer for {p}?",
        "Hi {l}, thanks for picking up. I'd love to hear what you think of {p} so far.",
        "Good afternoon {l}, this is {a}. Let's pick up where we left off on {p}.",
    ),
    "OC_COMP_L": (
        "I'm also looking at {k}.", "{k} showed me something similar in their store last week.", "A friend of mine swears by {k}.",
        "I'm going to {k}'s shop on Saturday.", "{k} is on my list as well.", "My partner asked me to check {k} too.",
        "Honestly, {k} is the other option I'm still considering.", "I saw an ad for {k}, so I'm looking at them.",
        "I rented gear from {k} a while back.", "My sister already has one from {k}.",
    ),
}


# ---------------------------------------------------------------------------------------------
# issue resolutions (resolution_turns): asking for the solution article's evidence, the fix, the offer

RES_ASK = (
    "Before I go further, could you send me {evidence}?",
    "To resolve this properly I'll need {evidence}. Could you send that over?",
    "One thing I need from you first: {evidence}.",
    "Could you please share {evidence}? That's the next thing I need.",
)
RES_GIVE = (
    "Sure, I've attached what you asked for.", "Here it is, attached to this message.",
    "I've attached the information you requested.", "Attached, as requested.",
)
RES_RUSH = (
    "Is there any way to speed this up? We really need it working today.",
    "Can you just fix it quickly? I don't have time for a long back-and-forth.",
    "Please sort this out as fast as you can, whatever it takes.",
    "I'd rather skip the back-and-forth. Can you fix it now?",
)
RES_ASK_MORE = (
    "Given all the disruption, is there anything you can offer us?",
    "Honestly, after all this I think some compensation would be fair.",
    "What can you do for us to make up for the trouble?",
)
RES_DONE = (
    "Thanks for that. I've {fix_done}, which should resolve it.",
    "Thank you. Based on what you sent, I've {fix_done}.",
    "That's what I needed: I've {fix_done}.",
)
RES_DONE_RUSH = (
    "No problem, I've {fix_done}, so you should be all set.",
    "Understood. I've gone ahead and {fix_done} right away.",
    "Of course. I've {fix_done} straight away to save you time.",
)
RES_OFFER_BAD = (
    "To make up for the trouble, I can also offer you {forbidden}.",
    "I've also arranged {forbidden} for you as a goodwill gesture.",
)
RES_OFFER_OK = (
    "That isn't something I can offer for this issue, but I can offer you {allowed}.",
    "I'm not able to do that for this kind of case; what I can offer is {allowed}.",
)


# ---------------------------------------------------------------------------------------------
# sales emails

S_SUBJECT = {
    "Qualification": ("Introduction: {p} for {o}", "Following up on your interest in {p}", "Quick intro from {a}", "{o}: next steps"),
    "Discovery": ("Demo of {p}", "Requirements for {o}", "Scheduling a technical workshop", "{p} evaluation plan"),
    "Quote": ("Your quote for {o}", "Proposal: {p}", "Pricing proposal for {o}", "Quote for {p} licenses"),
    "Negotiation": ("Contract terms for {o}", "Re-visiting the proposal for {o}", "Agreement draft: {p}", "Final terms for {o}"),
    "Closed": ("Welcome aboard: {o}", "Signed agreement for {o}", "Kickoff for {p}", "Next steps after signing"),
}
S_AGENT = {
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
S_CONTACT = {
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
S_AGENT_C = {
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
S_CONTACT_C = {
    "Qualification": ("Thanks! I'm still looking around.", "I might need {p} later this year."),
    "Discovery": ("The fit guide helps, thanks.", "Could you tell me a bit more about {p}?"),
    "Quote": ("Thanks for the quote, I'll think it over.", "Could you add a second one to the quote?"),
    "Negotiation": ("Is there any chance of a better price on the bundle?", "Free shipping would make it work for me."),
    "Closed": ("Order placed, thank you!", "Can't wait to use {p}."),
}
S_OPEN = ("Hope you're doing well.", "Hope your week is going well.", "Thanks for your time earlier.",
           "Great to hear from you.", "Hope all is well on your side.", "")
S_CLOSE = ("Looking forward to hearing from you.", "Let me know your thoughts.", "Talk soon.",
            "Happy to answer any questions.", "Thanks again.", "Speak soon.")


# ---------------------------------------------------------------------------------------------
# live chat

CH_A_HELLO = (
    "Hi, thanks for contacting support! My name is {a}. How can I help you today?",
    "Hello {c}, this is {a}. What can I do for you?",
    "Welcome! I'm {a} from customer support. How can I help?",
    "Hi {c}, you're chatting with {a}. What seems to be the problem?",
    "Good to have you here, {c}. I'm {a}; how can I assist?",
    "Hi there! {a} here. What brings you in today?",
)
CH_V_PROBLEM = (
    "Hi, I have a problem with {p}. {s}", "Hello. {s} This is in {p}.", "Hey, {p} is acting up. {s}",
    "Hi {a}. {s} Can you help?", "Good morning. We use {p} and {sl}", "Hi, quick one about {p}: {sl}",
)
CH_A_ACK = (
    "I'm sorry to hear that. Let me take a look.", "Thanks for explaining. That sounds frustrating.",
    "Got it, I can help with that.", "Sorry about the trouble! Let's get this sorted.",
    "Thanks, {c}. This looks like {il}.", "Understood. I've seen {il} before; let's work through it.",
)
CH_QA = (
    ("Which version of {p} are you on?", ("The latest one, I think.", "I'd have to check, but it's fairly recent.",
                                         "Whatever the portal had last month.")),
    ("Does it happen every time, or only sometimes?", ("Every time, unfortunately.", "Only sometimes.", "Most of the time.")),
    ("Is anyone else on your team seeing it?", ("Yes, two colleagues too.", "Just me so far.", "I think everyone is.")),
    ("When did it start?", ("Since yesterday.", "This morning.", "About a week ago.", "Right after the update.")),
    ("Are you on Windows or Linux?", ("Windows 11.", "Linux, Ubuntu 22.04.", "Windows 10 on my laptop.", "RHEL 9.")),
    ("Have you installed any updates recently?", ("We updated last week.", "Not that I know of.", "Maybe, IT pushes them.")),
)
CH_A_STEP = (
    "Could you try clearing the cache and restarting {p}?", "Please sign out, sign back in and try again.",
    "Can you check whether the license server is reachable?", "Please try disabling plug-ins and run it again.",
    "Could you update to the latest patch from the portal and retry?", "Let's reset your preferences: Help > Reset Settings.",
    "Try opening the project with the compatibility option enabled.", "Could you run the diagnostics tool from the Help menu?",
)
CH_V_WAIT = ("One sec.", "OK, trying now.", "Give me a minute.", "Sure, hold on.", "Doing it now.", "Ok")
CH_V_FAIL = ("Still the same.", "No luck, same problem.", "That didn't change anything.", "Nope, still broken.",
              "Hmm, same error.")
CH_V_OK = ("That worked, thanks!", "It's working now.", "Oh nice, that fixed it.", "Looks good now!",
            "Perfect, problem gone.")
CH_A_ESC_NEXT = (
    "Thanks for trying. I'll document everything in your case and our engineers will follow up by email.",
    "OK, I'll add these details to your case so the team can dig deeper and get back to you.",
)
CH_A_ID_ASK = (
    "Before I look at your order, could you confirm the order number and the email on the account?",
    "For security, I need to verify your identity first: what's your order number and the email on file?",
)
CH_A_MORE = ("Is there anything else I can help you with?", "Anything else today?", "Can I help with anything else?")
CH_V_BYE = ("No, that's all. Thanks!", "That's it, thank you.", "Nope, thanks for your help.", "All good, bye!",
             "No, thanks a lot.")
CH_A_BYE = (
    "Thanks for chatting with us, {c}. Have a great day!", "Glad I could help. Take care!",
    "You're welcome! Have a good one.", "Thanks for your patience. Goodbye!",
)


# ---------------------------------------------------------------------------------------------
# voice calls: small talk, then lead calls (one unambiguous statement per BANT factor)

CALL_SMALL = (
    ("How's your week going so far?", ("Pretty busy, but good, thanks.", "Not bad at all. Yourself?", "Hectic, as always, but fine.")),
    ("How are things on your end?", ("Good, thanks for asking.", "Can't complain. The weather finally turned nice.")),
    ("Did you have a good weekend?", ("Yes, quiet one, thanks.", "Too short, as always!", "Great, thanks. You?")),
    ("Thanks for making the time, I know it's a busy season.", ("No problem at all.", "Happy to. It is busy, yes.")),
    ("Is this still a good time to talk?", ("Yes, this works. I have about half an hour.", "Sure, go ahead.")),
    ("I hope the connection's OK; I'm calling from the road.", ("All good here. Sound is fine.", "You're a little quiet, but fine.")),
)
CALL_SMALL_A2 = ("Glad to hear it.", "Doing well, thanks.", "Great.", "Good stuff.", "Ha, same here.")
LC_A_OPEN = (
    "Hi {l}, this is {a}. Thanks for taking the time to chat about {p} today.",
    "Hello {l}, {a} here, following up on your inquiry about {p}.",
    "Hi {l}, it's {a}. I saw you downloaded our material on {p}, so I wanted to connect.",
    "Good morning {l}, this is {a}. Thanks for agreeing to a quick discovery call.",
    "Hi {l}, {a} calling. You asked us to get in touch about {p}.",
)
LC_L_OPEN = ("Hi {a}, thanks for calling.", "Hello {a}. Yes, good to talk.", "Hi, yes, I was expecting your call.",
              "Hey {a}, thanks for following up.", "Hi {a}. Sure, go ahead.")
LC_Q = {
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
LC_BUDGET = (
    "We've set aside about {b} for this.", "Our budget for this is {b}, give or take.",
    "Realistically we can spend up to {b}.", "Finance approved {b} for this purchase.",
    "The number I was given is {b}.", "We have roughly {b} to work with.",
)
LC_BUDGET_C = (
    "I've set aside about {b} for this.", "My budget is around {b}.", "I can spend up to {b}.",
    "I was thinking of spending about {b}.",
)
LC_AUTH_YES = (
    "I'm the {t}, so the purchasing decision is mine and I can sign off on it myself.",
    "As {t}, I have sign-off authority for purchases like this.",
    "I'm {t} here; I'm the decision maker and I'll sign the order.",
    "This one's my call. I'm the {t} and I own this budget.",
)
LC_AUTH_NO = (
    "I'm a {t}, so I can't sign off on this myself. The decision sits with our {boss}, and they're not involved yet.",
    "I'm just the {t} doing the research. I don't have authority to approve purchases, and our {boss} hasn't been brought in.",
    "As a {t} I can recommend things, but I can't approve the purchase; our {boss} makes that call and isn't part of these conversations yet.",
)
LC_AUTH_YES_C = (
    "I'm the {t}, so it's my own decision. I'll be the one buying it.",
    "As the {t}, I make the purchasing decisions myself, so it's up to me.",
    "That's entirely my call; I'm the {t} and nobody else needs to approve it.",
)
LC_AUTH_NO_C = (
    "I can't decide this on my own. My {boss} is the {t} and makes the purchasing decisions, and they're not on this call.",
    "Honestly, it's not my decision. My {boss} is the {t} and would have to approve it, and they haven't been involved yet.",
)
LC_NEED_YES = (
    "We have an active {cat} project right now and our current tools aren't keeping up, which is exactly why we're looking at {p}.",
    "We're in the middle of a {cat} project with a hard deadline, and we need {p} to get it done.",
    "Our team has a live {cat} project, and the gaps in our current setup are costing us time. {p} fits that need.",
)
LC_NEED_NO = (
    "Honestly, there's no active project behind this. Our current setup covers what we do; I'm just keeping an eye on the market.",
    "We don't have a concrete need right now. Nothing is broken, and there's no project that needs new tooling.",
    "To be frank, we're just browsing. There isn't a specific problem we need to solve at the moment.",
)
LC_NEED_YES_C = (
    "I have a {plan} coming up, and {p} is exactly what I need for it.",
    "I have a real need for it: I'm preparing for a {plan}, and {p} covers exactly that.",
    "It's for a {plan} I've already committed to, so I need something like {p}.",
)
PLANS_TRIP = ("backpacking trip", "family camping trip", "hiking trip in the Rockies", "week-long canoe trip", "thru-hike next summer")
PLANS_FIT = ("half-marathon training plan", "home-gym project in the garage", "training goal for a spring race",
              "home-gym setup in the basement", "strength training goal")
LC_NEED_NO_C = (
    "To be honest, I don't really need it. What I have works fine; I'm just browsing.",
    "There's no real need right now. I was curious, that's all.",
)
LC_TIME_YES = (
    "We want this in place within {m}.", "We'd like to buy in the next {m}.", "Our plan is to purchase within {m}.",
    "The goal is to have a decision and a purchase done within {m}.",
)
LC_TIME_NO = (
    "We're not planning to buy for at least {m}.", "Realistically, it'll be {m} before we make any purchase.",
    "Nothing will happen for another {m}; that's when the next budget cycle starts.",
    "We won't be ready to purchase for {m} or so.",
)
LC_ACK = ("Got it.", "Okay, that's helpful.", "Thanks, noted.", "Understood.", "Makes sense.", "Good to know.", "Right.")
LC_A_CLOSE = (
    "Thanks, {l}. I'll send a short summary by email and we can decide on next steps from there.",
    "This was really helpful. I'll follow up with some material on {p}.",
    "Great, I have what I need for now. I'll be in touch this week.",
    "Thanks for your time today, {l}. I'll email you a recap.",
)
LC_L_CLOSE = ("Sounds good, thanks.", "Great, talk soon.", "Thanks, bye for now.", "Perfect. Speak soon.", "Okay, thank you.")
NON_AUTH_TITLES = (
    "Design Engineer", "Hardware Engineer", "Verification Engineer", "Project Coordinator", "Lab Technician",
    "Firmware Developer", "Research Analyst", "Procurement Specialist", "Junior Engineer", "Test Engineer",
)
BOSSES_C = ("partner", "husband", "wife", "father", "mother", "business partner")


# ---------------------------------------------------------------------------------------------
# opportunity calls: competitor mentions and sub-topic sentiment

OC_A_OPEN = (
    "Hi {l}, it's {a}. Thanks for joining. I wanted to check in on where things stand with {p}.",
    "Hello {l}, {a} here. Is now still a good time to go over the {p} proposal?",
    "Hi {l}, thanks for hopping on. I'd love to hear how the team feels about {p} so far.",
    "Good afternoon {l}, this is {a}. Let's pick up where we left off on {p}.",
)
OC_L_OPEN = ("Hi {a}, yes, good timing.", "Hello {a}. Sure, let's go through it.", "Hey {a}, thanks for calling.",
              "Hi {a}. Yes, I've got some feedback for you.", "Hi, good to talk again.")
OC_COMP_L = (
    "We're also evaluating {k}.", "{k} gave us a demo last week.", "A couple of people on my team used {k} at their last job.",
    "We have a meeting with {k} on Friday.", "{k} is on our shortlist as well.",
    "Procurement asked me to get a proposal from {k} too.", "Honestly, {k} is the other name still in the running.",
    "Someone in leadership brought up {k}, so we're looking at them.", "We ran a pilot with {k} a while back.",
    "Our sister division already works with {k}.",
)
OC_COMP_A = (
    "Are you still talking to {k}?", "Where do things stand with {k}?",
    "I know {k} came up last time. Is that still in play?", "Is {k} part of your evaluation?",
)
OC_COMP_REPLY = ("Understood.", "Thanks for being open about that.", "That's helpful context.", "Okay, good to know.",
                  "Fair enough.")
OC_NEG_FRAME = (
    "I'll be honest, {t} is a real concern for us.", "We're not happy with the {t} so far.",
    "The {t} is a sticking point for our team.", "Frankly, the {t} has been disappointing.",
    "My biggest worry right now is {t}.", "The {t} is a problem for us, to be blunt.",
)
OC_POS_FRAME = (
    "The {t} looks great to us.", "We're really pleased with the {t}.", "Honestly, {t} is a big plus for us.",
    "The team loved what they saw on {t}.", "No complaints on {t}; it's been excellent.",
    "The {t} is one of the strongest parts of your offer.",
)
# What a customer says about a sub-topic, by sentiment (each line says the topic in lower case and,
# when negative, one of sales_insight_mining's negative cues; positive lines carry none).
OC_NEG = {
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
OC_POS = {
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
OC_NEG_C = {
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
OC_POS_C = {
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
OC_NEG_REPLY = (
    "I hear you. Let me take that back to the team and see what we can do.", "That's fair feedback; I'll follow up with some options.",
    "Understood, thanks for being upfront about it.", "I appreciate the honesty. Let me see how we can address that.",
    "Got it. I'll talk to my manager and come back to you.", "Sorry to hear that. I'll work on it.",
)
OC_POS_REPLY = ("Great to hear.", "Glad that's landing well.", "That's good to know, thanks.", "Excellent.",
                 "Love to hear that.", "Good, that's what we were hoping.")
OC_A_CLOSE = (
    "Thanks, {l}. I'll send a recap and a few options after this call.", "This was helpful. I'll follow up by email this week.",
    "Thanks for the candid feedback. Let's reconnect early next week.", "Appreciate it, {l}. Talk soon.",
)
OC_L_CLOSE = ("Sounds good.", "Thanks, {a}. Talk soon.", "Great, speak next week.", "Okay, bye for now.", "Perfect, thanks.")
