"""best_region_identification: the shipping state whose cases close quickest on average in a window."""

from __future__ import annotations

import random
from collections import defaultdict

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.families._database import bounds, busy_window, empty_window, extreme, seconds_between
from crmweaver.tasks.windows import Window


def pick(durations: dict[str, list[float]]) -> list:
    return extreme({state: sum(d) / len(d) for state, d in durations.items() if d}, lowest=True)


@register
class BestRegionIdentification(Family):
    code = "best_region_identification"
    templates = (
        "Which state had the quickest average case closure time in {window}?",
        "In {window}, which region closed its cases fastest on average?",
        "Identify the state where cases were resolved the fastest on average during {window}.",
        "What's our best region for case closure speed in {window}? Give me the state code.",
        "Fastest average case closure by state, {window}?",
        "For cases opened in {window}, which customer state shows the shortest average time from creation to closure?",
        "I'm comparing regions for {window}: which state's cases got closed the quickest on average?",
        "Return the two-letter code of the state with the lowest average case closure time in {window}.",
        "Which shipping state led on average time-to-close for cases created in {window}?",
        "Our VP of service asked which state had the speediest case resolution in {window}. Can you find it?",
        "Looking at {window}, where (by state) do cases close fastest on average?",
        "Determine the region with the best average case closure time across {window}.",
        "Hey, which state had the shortest average time to close cases in {window}?",
        "Rank states by average case closure time for {window} and tell me the quickest one.",
    )

    def durations(self, ctx: Context, window: Window) -> dict[str, list[float]]:
        rows = ctx.sql(
            """SELECT a.ShippingState, c.CreatedDate, c.ClosedDate FROM "Case" c JOIN Account a ON a.Id = c.AccountId
               WHERE c.ClosedDate IS NOT NULL AND a.ShippingState IS NOT NULL
                 AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?
               ORDER BY c.Id""",
            bounds(window),
        )
        out: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            out[r["ShippingState"]].append(seconds_between(r["CreatedDate"], r["ClosedDate"]))
        return out

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        if want_none:
            window = empty_window(rng, ctx.today, lambda w: not self.durations(ctx, w))
        else:
            window = busy_window(rng, ctx.today)
            if not self.durations(ctx, window):
                raise Resample
        query, template = self.phrase(rng, window=window.phrase)
        required = (
            f"Today's date is {ctx.today.isoformat()}. A case's region is the ShippingState of its account "
            "(Case.AccountId -> Account.ShippingState). Consider the cases created within the requested period "
            "(by Case.CreatedDate) that have been closed (ClosedDate set). A case's closure time is the time from "
            "its CreatedDate to its ClosedDate. Average the closure times per state and report the state with the "
            "smallest average. Answer with the two-letter state code, or None if no such case exists."
        )
        return Params({"window": window.to_dict()}, query, required, template, facts={"period": window.phrase})

    def solve(self, ctx: Context, params: Params) -> list:
        return pick(self.durations(ctx, Window.from_dict(params.values["window"])))

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        window = Window.from_dict(params.values["window"])
        cases = run(
            "SELECT Id, Account.ShippingState, CreatedDate, ClosedDate FROM Case "
            f"WHERE ClosedDate != null AND {window.soql('CreatedDate')}"
        )
        durations: dict[str, list[float]] = defaultdict(list)
        for r in cases["records"]:
            state = (r.get("Account") or {}).get("ShippingState")
            if state:
                durations[state].append(seconds_between(r["CreatedDate"], r["ClosedDate"]))
        return pick(durations)
