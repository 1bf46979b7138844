"""SOSL over a tiny hand-made org (crmweaver.soql.sosl)."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmweaver.org import store
from crmweaver.org.schema import SCHEMA_VERSION, schema_for
from crmweaver.soql import sosl
from crmweaver.soql.errors import SoqlError

SCHEMA = schema_for("b2b")


def _id(obj: str, n: int) -> str:
    return store.make_id(SCHEMA.objects[obj].key_prefix, n)


ROWS = {
    "Account": [
        dict(Name="Acme Corporation", Industry="Manufacturing", Description="Makes anvils and rockets",
             Phone="(415) 555-0134", ShippingState="CA"),
        dict(Name="Globex", Industry="Energy", Description="Power optimisation for the acme region",
             Phone="+1 650 555 9999", ShippingState="NY"),
        dict(Name="Café Münster", Industry="Food", Description="Coffee and cake", Phone="212.555.0199",
             ShippingState="NY"),
        dict(Name="Initech", Industry="Software", Description="TPS reports; O'Brien's team", Phone=None,
             ShippingState="TX"),
    ],
    "Contact": [
        dict(FirstName="John", LastName="Smith", Email="john.smith@acme.com"),
        dict(FirstName="Joan", LastName="Smythe", Email="joan@globex.com"),
        dict(FirstName="Jon", LastName="Acme", Email="jon@example.org"),
        dict(FirstName="Johan", LastName="Schmidt", Email="johan@initech.com"),
    ],
    "Lead": [
        dict(FirstName="Mary", LastName="Major", Email="mary@umbrella.com", Phone="415-555-0134", Company="Umbrella",
             Status="New"),
    ],
    "Knowledge__kav": [
        dict(Title="Discount policy", Summary="Limits on discounts", UrlName="discount-policy",
             FAQ_Answer__c="Sales agents may not give a discount above 20 percent without approval."),
        dict(Title="Rocket simulation FAQ", Summary="Simulation product questions", UrlName="rocket-sim",
             FAQ_Answer__c="The simulation suite models rockets, PCB boards and power usage."),
        dict(Title="Escalation rules", Summary="When to escalate a case", UrlName="escalation",
             FAQ_Answer__c="Escalate a case after 48 hours without a response. Discounts are never escalated."),
    ],
    "User": [
        dict(FirstName="Smithy", LastName="Agent", Alias="sagent", Email="smithy@ourco.com", Phone="555 0100",
             Username="smithy@ourco.com"),
    ],
}


def build_org(path) -> None:
    """A tiny org file: schema tables, a few rows, the FTS tables, metadata."""
    conn = sqlite3.connect(path)
    store.create_tables(conn, SCHEMA)
    for obj, rows in ROWS.items():
        for n, row in enumerate(rows, start=1):
            row = {"Id": _id(obj, n), **row}
            cols = ", ".join(f'"{k}"' for k in row)
            conn.execute(f'INSERT INTO "{obj}" ({cols}) VALUES ({", ".join("?" for _ in row)})', list(row.values()))
    conn.commit()
    store.create_indexes(conn, SCHEMA)
    store.write_meta(
        conn, {"preset": "b2b", "seed": "1", "scale": "0.1", "today": "2024-03-15", "schema_version": SCHEMA_VERSION}
    )
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    path = tmp_path_factory.mktemp("sosl") / "org.db"
    build_org(path)
    with store.open_org(path) as o:
        yield o


def found(org, text, **kw) -> list[tuple[str, str]]:
    """(object, record number) pairs of a search, in result order."""
    out = []
    for r in sosl.search(org, text, **kw)["searchRecords"]:
        obj = r["attributes"]["type"]
        n = next(k for k in range(1, 10) if _id(obj, k) == r["Id"])
        out.append((obj, n))
    return out


def found_set(org, text, **kw) -> set[tuple[str, str]]:
    return set(found(org, text, **kw))


def error(org, text) -> SoqlError:
    with pytest.raises(SoqlError) as e:
        sosl.search(org, text)
    return e.value


# ---- records and scopes ------------------------------------------------------------------------

def test_record_shape(org):
    recs = sosl.search(org, "FIND {Globex} RETURNING Account")["searchRecords"]
    assert recs == [
        {
            "attributes": {"type": "Account", "url": f"/services/data/v62.0/sobjects/Account/{_id('Account', 2)}"},
            "Id": _id("Account", 2),
        }
    ]


def test_all_fields_default_returns_every_object(org):
    assert found_set(org, "FIND {acme}") == {("Account", 1), ("Account", 2), ("Contact", 1), ("Contact", 3)}
    assert found_set(org, "find {ACME} in all fields") == found_set(org, "FIND {acme}")


def test_objects_grouped_in_returning_order(org):
    got = found(org, "FIND {acme} RETURNING Contact, Account")
    assert [o for o, _ in got] == ["Contact", "Contact", "Account", "Account"]
    assert found(org, "FIND {acme} RETURNING account") == [o for o in got if o[0] == "Account"]


def test_name_fields(org):
    assert found_set(org, "FIND {acme} IN NAME FIELDS") == {("Account", 1), ("Contact", 3)}
    assert found_set(org, "FIND {smith*} IN NAME FIELDS RETURNING Contact, User") == {("Contact", 1), ("User", 1)}


def test_email_fields(org):
    assert found_set(org, "FIND {john.smith@acme.com} IN EMAIL FIELDS") == {("Contact", 1)}
    assert found_set(org, "FIND {acme} IN EMAIL FIELDS") == {("Contact", 1)}
    assert found_set(org, "FIND {globex.com} IN EMAIL FIELDS RETURNING Contact") == {("Contact", 2)}


def test_phone_fields_ignore_punctuation(org):
    assert found_set(org, "FIND {4155550134} IN PHONE FIELDS") == {("Account", 1), ("Lead", 1)}
    assert found_set(org, "FIND {(415) 555-0134} IN PHONE FIELDS") == {("Account", 1), ("Lead", 1)}
    assert found_set(org, "FIND {555-0199} IN PHONE FIELDS") == {("Account", 3)}
    assert found_set(org, "FIND {5550} IN PHONE FIELDS") == {("Account", 1), ("Account", 3), ("Lead", 1), ("User", 1)}
    assert found_set(org, "FIND {50555} IN PHONE FIELDS") == {("Account", 2)}  # spans "650 555"
    assert found_set(org, "FIND {5550134 AND NOT 415} IN PHONE FIELDS") == set()
    assert found_set(org, "FIND {0134 OR 9999} IN PHONE FIELDS RETURNING Account") == {("Account", 1), ("Account", 2)}
    assert found_set(org, "FIND {acme} IN PHONE FIELDS") == set()
    assert found_set(org, "FIND {4155550134}") == set()  # the FTS token split only matches in PHONE scope


def test_scope_without_fields_skips_object(org):
    assert found(org, "FIND {escalate} IN NAME FIELDS RETURNING Knowledge__kav") == []
    assert found(org, "FIND {escalation} IN NAME FIELDS RETURNING Knowledge__kav") == [("Knowledge__kav", 3)]
    assert found(org, "FIND {acme} IN PHONE FIELDS RETURNING Contact") == []  # Contact has no phone field


# ---- search terms -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "term,expected",
    [
        ("discount", {1}),  # no stemming: "discounts" is another word
        ("discounts", {1, 3}),
        ("DISCOUNT*", {1, 3}),
        ("disc*", {1, 3}),
        ("escalat*", {3}),
        ("esc*ted", {3}),  # middle wildcard
        ("r?cket*", {2}),
        ("rocket?", {2}),  # "rockets" only; "rocket" has no sixth letter
        ("rocket", {2}),
        ("discount AND approval", {1}),
        ("discount approval", {1}),  # words without an operator are ANDed
        ("discount and approval", {1}),
        ("discount* OR simulation", {1, 2, 3}),
        ("discount AND NOT escalate", {1}),
        ("discount NOT escalate", {1}),
        ("NOT escalate discount", {1}),
        ("(discount OR rocket) AND NOT (escalate OR approval)", {2}),
        ('"discount above"', {1}),
        ('"above discount"', set()),
        ('"discount above" OR "power usage"', {1, 2}),
        ('"20 percent"', {1}),
        ("pcb", {2}),
        ("zzzz*", set()),
        ("zz?z", set()),
        ("discount-policy", {1}),  # punctuation splits like the index does
        ("48", {3}),
    ],
)
def test_terms(org, term, expected):
    got = found(org, f"FIND {{{term}}} RETURNING Knowledge__kav")
    assert {n for _, n in got} == expected
    assert len(got) == len(set(got))


def test_quoted_term_form(org):
    assert found_set(org, "FIND 'discount*' RETURNING Knowledge__kav") == {("Knowledge__kav", 1), ("Knowledge__kav", 3)}
    assert found_set(org, r"FIND 'o\'brien' RETURNING Account") == {("Account", 4)}


def test_diacritics_and_case(org):
    assert found(org, "FIND {cafe} RETURNING Account") == [("Account", 3)]
    assert found(org, "FIND {MÜNSTER} RETURNING Account") == [("Account", 3)]
    assert found(org, "FIND {munst*} RETURNING Account") == [("Account", 3)]
    assert found(org, "FIND {müns?er} RETURNING Account") == [("Account", 3)]


def test_escapes(org):
    # an escaped operator is a word; an escaped wildcard is literal text (a separator)
    assert found(org, r"FIND {\NOT} RETURNING Knowledge__kav") == [("Knowledge__kav", 1)]
    assert found_set(org, r"FIND {simul\*} RETURNING Knowledge__kav") == set()  # "simul" is no word
    assert found_set(org, r"FIND {simul*} RETURNING Knowledge__kav") == {("Knowledge__kav", 2)}
    assert found_set(org, r"FIND {rocket\?} RETURNING Knowledge__kav") == {("Knowledge__kav", 2)}
    assert found_set(org, r"FIND {o\'brien} RETURNING Account") == {("Account", 4)}
    assert found_set(org, r"FIND {discount\-policy} RETURNING Knowledge__kav") == {("Knowledge__kav", 1)}


def test_relevance_order(org):
    # "acme" is the account's name (weighted) and appears once in Globex's description
    assert found(org, "FIND {acme} RETURNING Account") == [("Account", 1), ("Account", 2)]
    # two hits on "escalate" variants rank the escalation article first
    assert found(org, "FIND {escalat* OR discount*} RETURNING Knowledge__kav")[0] == ("Knowledge__kav", 3)


def test_sql_and_fts_syntax_in_terms_is_text(org):
    for term in ['acme" OR "globex', "acme) OR (globex", "acme'; DROP TABLE Account; --", "NEAR(acme globex)",
                 "{Name}: acme", "acme^2", "Name:acme", "acme + globex"]:
        try:
            sosl.search(org, "FIND {" + term.replace("{", r"\{").replace("}", r"\}") + "}")
        except SoqlError as e:
            assert e.error_code == "MALFORMED_SEARCH"
    assert found_set(org, 'FIND {acme" OR "globex} RETURNING Account') == set()  # one phrase "acme OR globex"
    assert found_set(org, "FIND {acme\\) OR \\(globex} RETURNING Account") == {("Account", 1), ("Account", 2)}
    assert org.count("Account") == 4


# ---- limits -------------------------------------------------------------------------------------

def test_overall_limit(org):
    assert len(found(org, "FIND {acme} LIMIT 3")) == 3
    assert found(org, "FIND {acme} LIMIT 0") == []
    assert len(found(org, "FIND {acme}", limit_rows=2)) == 2
    assert len(found(org, "FIND {acme} LIMIT 10", limit_rows=1)) == 1


def test_per_object_limit_and_offset_id_only(org):
    everything = found(org, "FIND {acme} RETURNING Account(Id), Contact(Id)")
    assert found(org, "FIND {acme} RETURNING Account(Id LIMIT 1), Contact(Id)") == [everything[0]] + everything[2:]
    assert found(org, "FIND {acme} RETURNING Account(Id LIMIT 1 OFFSET 1), Contact(Id LIMIT 1)") == [
        everything[1], everything[2]
    ]


# ---- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,code,words",
    [
        ("SELECT Id FROM Account", "MALFORMED_QUERY", "unexpected token: 'SELECT'"),
        ("DELETE FROM Account", "MALFORMED_QUERY", "read-only"),
        ("", "MALFORMED_QUERY", "FIND"),
        ("FIND acme", "MALFORMED_SEARCH", "enclosed in braces"),
        ("FIND {acme", "MALFORMED_SEARCH", "closing brace"),
        ("FIND {ac{me}", "MALFORMED_SEARCH", "Unbalanced braces"),
        ("FIND 'acme", "MALFORMED_SEARCH", "closing quote"),
        ("FIND {}", "MALFORMED_SEARCH", "No search term found"),
        ("FIND {   }", "MALFORMED_SEARCH", "No search term found"),
        ("FIND {--}", "MALFORMED_SEARCH", "No search term found"),
        ("FIND {a}", "MALFORMED_SEARCH", "longer than one character"),
        ("FIND {a*}", "MALFORMED_SEARCH", "longer than one character"),
        ("FIND {*}", "MALFORMED_SEARCH", "longer than one character"),
        ("FIND {NOT acme}", "MALFORMED_SEARCH", "only words to exclude"),
        ("FIND {acme OR NOT globex}", "MALFORMED_SEARCH", "AND NOT"),
        ("FIND {acme AND}", "MALFORMED_SEARCH", "Missing search word"),
        ("FIND {OR acme}", "MALFORMED_SEARCH", "Missing search word"),
        ("FIND {(acme}", "MALFORMED_SEARCH", "Unmatched '('"),
        ("FIND {acme)}", "MALFORMED_SEARCH", "Unexpected ')'"),
        ("FIND {()}", "MALFORMED_SEARCH", "Empty parentheses"),
        ('FIND {"acme}', "MALFORMED_SEARCH", "Unmatched quote"),
        ("FIND {acme\\}", "MALFORMED_SEARCH", "closing brace"),
        ("FIND {acme} RETURNING Foo__c", "INVALID_TYPE", "sObject type 'Foo__c' is not supported."),
        ("FIND {acme} RETURNING PricebookEntry", "INVALID_TYPE", "does not support search"),
        ("FIND {acme} RETURNING Account, account", "MALFORMED_SEARCH", "duplicate entity"),
        ("FIND {acme} RETURNING", "MALFORMED_SEARCH", "object name"),
        ("FIND {acme} RETURNING Account(", "MALFORMED_SEARCH", "Unmatched '('"),
        ("FIND {acme} RETURNING Account()", "MALFORMED_SEARCH", "field list"),
        ("FIND {acme} RETURNING Account(Name Industry)", "MALFORMED_SEARCH", "field list"),
        ("FIND {acme} RETURNING Account(Id LIMIT x)", "MALFORMED_SEARCH", "LIMIT needs"),
        ("FIND {acme} RETURNING Account(Id WHERE)", "MALFORMED_SEARCH", "needs a condition"),
        ("FIND {acme} RETURNING Account(Id LIMIT 1 junk)", "MALFORMED_SEARCH", "expected ')'"),
        ("FIND {acme} IN BODY FIELDS", "MALFORMED_SEARCH", "expected ALL or NAME or EMAIL or PHONE"),
        ("FIND {acme} IN NAME", "MALFORMED_SEARCH", "expected FIELDS"),
        ("FIND {acme} LIMIT -1", "MALFORMED_SEARCH", "LIMIT needs"),
        ("FIND {acme} LIMIT 1.5", "MALFORMED_SEARCH", "LIMIT needs"),
        ("FIND {acme} WITH SNIPPET", "MALFORMED_SEARCH", "not supported"),
        ("FIND {acme} LIMIT 5 LIMIT 5", "MALFORMED_SEARCH", "unexpected token: 'LIMIT'"),
        ("FIND {acme} RETURNING Account(Name WHERE Name = 'x)", "MALFORMED_SEARCH", "Unterminated string"),
    ],
)
def test_errors(org, text, code, words):
    e = error(org, text)
    assert e.error_code == code
    assert words in e.message
    assert e.to_json() == [{"errorCode": code, "message": e.message}]


def test_too_long(org):
    assert error(org, "FIND {" + "acme " * 30_000 + "}").error_code == "MALFORMED_SEARCH"
    assert error(org, "FIND {" + "(" * 100 + "acme" + ")" * 100 + "}").error_code == "MALFORMED_SEARCH"
    assert error(org, "FIND {" + "NOT " * 3000 + "acme}").error_code == "MALFORMED_SEARCH"
    many = " OR ".join(["acme"] * 2000)
    assert found(org, "FIND {" + many + "} RETURNING Account") == [("Account", 1), ("Account", 2)]


def test_parse_term_tree():
    t = sosl.parse_term('acme AND NOT (globex OR "big co") jo*')
    assert t == sosl.And(
        (sosl.Word("acme"), sosl.Not(sosl.Or((sosl.Word("globex"), sosl.Word("big co", phrase=True)))), sosl.Word("jo*"))
    )


# ---- RETURNING clauses through the SOQL engine -----------------------------------------------------

@pytest.fixture
def with_engine():
    pytest.importorskip("crmweaver.soql.engine", reason="the SOQL core is not there yet")


def test_returning_fields(org, with_engine):
    recs = sosl.search(org, "FIND {acme} RETURNING Account(Name, Industry), Contact(LastName)")["searchRecords"]
    assert [(r["attributes"]["type"], r["Id"]) for r in recs] == [
        ("Account", _id("Account", 1)), ("Account", _id("Account", 2)),
        ("Contact", _id("Contact", 3)), ("Contact", _id("Contact", 1)),
    ]
    acme = recs[0]
    assert list(acme) == ["attributes", "Id", "Name", "Industry"]
    assert acme["Name"] == "Acme Corporation" and acme["Industry"] == "Manufacturing"
    assert set(recs[-1]) == {"attributes", "Id", "LastName"}


def test_returning_keeps_relevance_order(org, with_engine):
    plain = found(org, "FIND {acme} RETURNING Account")
    assert found(org, "FIND {acme} RETURNING Account(Name)") == plain
    assert found(org, "FIND {acme} RETURNING Account(Name LIMIT 1)") == plain[:1]
    assert found(org, "FIND {acme} RETURNING Account(Name LIMIT 1 OFFSET 1)") == plain[1:2]


def test_returning_where_order_limit(org, with_engine):
    assert found(org, "FIND {acme} RETURNING Account(Name WHERE Industry = 'Energy')") == [("Account", 2)]
    assert found(org, "FIND {acme OR cafe} RETURNING Account(Name ORDER BY Name DESC)") == [
        ("Account", 2), ("Account", 3), ("Account", 1)
    ]
    assert found(org, "FIND {acme OR cafe} RETURNING Account(Name WHERE ShippingState = 'NY' ORDER BY Name LIMIT 1)") == [
        ("Account", 3)
    ]
    assert found(org, "FIND {acme} RETURNING Account(Id WHERE Name LIKE 'acme%'), Contact(Id WHERE LastName = 'Acme')") == [
        ("Account", 1), ("Contact", 3)
    ]


def test_returning_where_cannot_escape_the_match(org, with_engine):
    # the WHERE text sits in its own parentheses after `Id IN (...) AND`: it narrows, never widens
    got = found(org, "FIND {globex} RETURNING Account(Id WHERE Name != null OR Name = null)")
    assert got == [("Account", 2)]
    e = error(org, "FIND {globex} RETURNING Account(Id WHERE Name = 'x') OR (Name != 'y')")
    assert e.error_code == "MALFORMED_SEARCH"


def test_returning_errors_come_from_soql(org, with_engine):
    assert error(org, "FIND {acme} RETURNING Account(Nope)").error_code == "INVALID_FIELD"
    assert error(org, "FIND {acme} RETURNING Account(Name WHERE Nope = 1)").error_code == "INVALID_FIELD"
    assert error(org, "FIND {acme} RETURNING Account(Name ORDER BY)").error_code == "MALFORMED_SEARCH"


# ---- fuzz ---------------------------------------------------------------------------------------

FRAGMENTS = [
    "FIND", "{", "}", "acme", "globex", "disc*", "jo?n", '"', "'", "\\", "(", ")", "AND", "OR", "NOT", "IN",
    "ALL", "NAME", "EMAIL", "PHONE", "FIELDS", "RETURNING", "Account", "Contact", "Knowledge__kav", "Foo", ",",
    "Name", "Id", "WHERE", "Name = 'x'", "ORDER", "BY", "LIMIT", "OFFSET", "1", "-3", "*", "?", ":", "NEAR",
    "555-0134", "é", "\x00", ";", "--", "DROP TABLE Account",
]


@given(st.text(max_size=80))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_random_text(org, text):
    for q in (text, "FIND {" + text + "}", "FIND {acme} " + text):
        try:
            result = sosl.search(org, q)
        except SoqlError as e:
            assert e.error_code and e.message
        else:
            assert set(result) == {"searchRecords"}


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_fragments(org, parts):
    for q in (" ".join(parts), "FIND {" + " ".join(parts) + "}", "FIND {acme} " + " ".join(parts)):
        try:
            result = sosl.search(org, q)
        except SoqlError as e:
            assert e.error_code and e.message
        else:
            assert all(r["attributes"]["type"] in SCHEMA.objects for r in result["searchRecords"])


def test_limits_accepted_like_soql(org):
    assert len(found(org, "FIND {acme}", max_rows=1)) == 1
    assert len(found(org, "FIND {acme}", timeout_s=5.0)) == 4


def test_engine_run_dispatches_sosl(org, with_engine):
    from crmweaver.soql.query import run

    assert run(org, "FIND {globex} RETURNING Account")["searchRecords"][0]["Id"] == _id("Account", 2)
    assert run(org, "FIND {a}")[0]["errorCode"] == "MALFORMED_SEARCH"


def test_double_negation_is_plain_term(tmp_path):
    from crmweaver.soql.sosl import Word, parse_term

    assert parse_term("NOT NOT license") == Word("license")


def test_parsed_statements_are_cached_and_not_mutated_by_runs(b2b_org_path):
    """SOSL parses once per (schema, text); repeated searches give the same result."""
    from crmweaver.org.store import open_org
    from crmweaver.soql import sosl

    org = open_org(b2b_org_path)
    text = "FIND {license} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title ORDER BY Title LIMIT 3), Case LIMIT 5"
    sosl._parsed.cache_clear()
    first = sosl.search(org, text)
    second = sosl.search(org, text)
    assert first == second and first["searchRecords"]
    assert sosl._parsed.cache_info().hits == 1
    org.close()
