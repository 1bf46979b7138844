"""The importer on dump-shaped files the tests write: names in other spellings, other date formats."""

import re
import sqlite3

import pytest

from crmweaver.org.importer import import_dump
from crmweaver.org.schema import FieldType, schema_for
from crmweaver.org.store import OrgError, make_id, open_org


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


SAMPLE = {
    FieldType.DATETIME: "2024-03-05 14:30:00",
    FieldType.DATE: "2024-03-05T00:00:00Z",
    FieldType.BOOLEAN: "true",
    FieldType.INT: "12",
    FieldType.DOUBLE: "2.5",
    FieldType.CURRENCY: 1999,
    FieldType.PERCENT: "10",
}


def write_dump(path, preset="b2b", *, drop_table=None, extra_column=None, value_override=None, compound_names=True):
    """A dump with snake_case table/column names, two rows per object, non-canonical formats."""
    schema = schema_for(preset)
    conn = sqlite3.connect(path)
    for obj in schema:
        if obj.name == drop_table:
            continue
        fields = [f for f in obj.fields if compound_names or f.name != "Name" or not obj.field("FirstName")]
        cols = [snake(f.name) for f in fields] + ([extra_column] if extra_column and obj.name == "Case" else [])
        conn.execute(f'CREATE TABLE "{snake(obj.name)}" ({", ".join(cols)})')
        for n in (1, 2):
            row = []
            for f in fields:
                if f.type is FieldType.ID:
                    row.append(make_id(obj.key_prefix, n))
                elif f.type is FieldType.REFERENCE:
                    row.append(make_id(schema.objects[f.references[0]].key_prefix, n))
                elif f.picklist:
                    row.append(f.picklist[0])
                else:
                    row.append(SAMPLE.get(f.type, f"{f.name} {n}"))
            if value_override and obj.name == value_override[0]:
                row[[f.name for f in fields].index(value_override[1])] = value_override[2]
            row += [None] if extra_column and obj.name == "Case" else []
            conn.execute(f'INSERT INTO "{snake(obj.name)}" VALUES ({", ".join("?" * len(row))})', row)
    conn.commit()
    conn.close()


@pytest.mark.parametrize("preset", ["b2b", "b2c"])
def test_import_normalises_names_and_values(tmp_path, preset):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump, preset)
    counts = import_dump(dump, out, preset=preset)
    assert set(counts.values()) == {2}
    with open_org(out) as org:
        assert org.preset == preset
        assert org.meta["today"] == "2024-03-06"  # the day after the latest CreatedDate
        row = org.conn.execute('SELECT CreatedDate, ClosedDate FROM "Case" LIMIT 1').fetchone()
        assert row == ("2024-03-05T14:30:00.000+0000", "2024-03-05T14:30:00.000+0000")
        assert org.conn.execute("SELECT CloseDate, Amount FROM Opportunity LIMIT 1").fetchone() == ("2024-03-05", 1999.0)
        assert org.conn.execute("SELECT IsActive FROM Product2 LIMIT 1").fetchone() == (1,)
        # search tables exist, as for generated orgs
        assert org.conn.execute("SELECT count(*) FROM Case__fts WHERE Case__fts MATCH 'subject'").fetchone()[0] == 2


def test_import_with_explicit_today(tmp_path):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump)
    from datetime import date

    import_dump(dump, out, preset="b2b", today=date(2025, 1, 2))
    with open_org(out) as org:
        assert org.meta["today"] == "2025-01-02"


def test_missing_table_is_named(tmp_path):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump, drop_table="VoiceCallTranscript__c")
    with pytest.raises(OrgError, match="VoiceCallTranscript__c"):
        import_dump(dump, out, preset="b2b")
    assert not out.exists() and not list(tmp_path.glob("org.db*"))


def test_unknown_column_is_named(tmp_path):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump, extra_column="escalation_level__c")
    with pytest.raises(OrgError, match=r"case\.escalation_level__c"):
        import_dump(dump, out, preset="b2b")
    assert not out.exists()


def test_unknown_table_is_named(tmp_path):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump)
    with sqlite3.connect(dump) as conn:
        conn.execute("CREATE TABLE campaign (id TEXT)")
    with pytest.raises(OrgError, match="'campaign'"):
        import_dump(dump, out, preset="b2b")


def test_bad_value_is_named_and_nothing_written(tmp_path):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump, value_override=("Case", "CreatedDate", "last tuesday"))
    with pytest.raises(OrgError, match="case row with Id '500"):
        import_dump(dump, out, preset="b2b")
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))


def test_bad_file(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(OrgError, match="not a readable SQLite file"):
        import_dump(junk, tmp_path / "org.db", preset="b2b")
    with pytest.raises(OrgError, match="no dump file"):
        import_dump(tmp_path / "absent.sqlite", tmp_path / "org.db", preset="b2b")


def test_refuses_to_overwrite(tmp_path):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump)
    out.write_text("precious")
    with pytest.raises(OrgError, match="--overwrite"):
        import_dump(dump, out, preset="b2b")
    assert out.read_text() == "precious"


def test_compound_names_rebuilt_when_missing(tmp_path):
    dump, out = tmp_path / "dump.sqlite", tmp_path / "org.db"
    write_dump(dump, compound_names=False)
    import_dump(dump, out, preset="b2b")
    with open_org(out) as org:
        assert org.conn.execute("SELECT Name FROM User LIMIT 1").fetchone() == ("FirstName 1 LastName 1",)
        assert org.conn.execute("SELECT Name FROM Account LIMIT 1").fetchone() == ("Name 1",)
