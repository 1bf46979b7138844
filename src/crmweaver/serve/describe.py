"""Salesforce's describe results, built from the org schema (the one source of object and field names).

Every object is queryable and searchable and none is createable, updateable or deletable: the
served org is read-only. A field's description goes in `inlineHelpText`, where agents read it.
"""

from __future__ import annotations

import re

from crmweaver.org.schema import Field, FieldType, Schema, SObject

# type -> (soapType, length); lengths are Salesforce's defaults for the type
_TYPES = {
    FieldType.ID: ("tns:ID", 18),
    FieldType.REFERENCE: ("tns:ID", 18),
    FieldType.STRING: ("xsd:string", 255),
    FieldType.TEXTAREA: ("xsd:string", 131072),
    FieldType.EMAIL: ("xsd:string", 80),
    FieldType.PHONE: ("xsd:string", 40),
    FieldType.PICKLIST: ("xsd:string", 255),
    FieldType.MULTIPICKLIST: ("xsd:string", 4099),
    FieldType.INT: ("xsd:int", 0),
    FieldType.DOUBLE: ("xsd:double", 0),
    FieldType.CURRENCY: ("xsd:double", 0),
    FieldType.PERCENT: ("xsd:double", 0),
    FieldType.DATE: ("xsd:date", 0),
    FieldType.DATETIME: ("xsd:dateTime", 0),
    FieldType.BOOLEAN: ("xsd:boolean", 0),
}
_UNGROUPABLE = {FieldType.TEXTAREA, FieldType.MULTIPICKLIST, FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT, FieldType.DATETIME}


def describe_global(schema: Schema, base: str) -> dict:
    """GET sobjects/: every object with its urls (`base` is `/services/data/vXX.X`)."""
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [_summary(o, base) for o in schema]}


def basic_info(obj: SObject, base: str) -> dict:
    """GET sobjects/<Object>/: the object's summary and its (empty) recent items."""
    return {"objectDescribe": _summary(obj, base), "recentItems": []}


def describe_object(obj: SObject, base: str) -> dict:
    """GET sobjects/<Object>/describe/: the summary plus fields and child relationships."""
    return {
        **_summary(obj, base),
        "fields": [_field(f, obj) for f in obj.fields],
        "childRelationships": [
            {"childSObject": c.child, "field": c.field, "relationshipName": c.name, "cascadeDelete": False,
             "deprecatedAndHidden": False, "restrictedDelete": False}
            for c in obj.children
        ],
        "recordTypeInfos": [],
        "description": obj.description,
    }


def _summary(o: SObject, base: str) -> dict:
    url = f"{base}/sobjects/{o.name}"
    return {
        "name": o.name,
        "label": o.label,
        "labelPlural": plural(o.label),
        "keyPrefix": o.key_prefix,
        "custom": o.name.endswith("__c"),
        "queryable": True,
        "searchable": bool(o.name_fields) or any(f.type.is_text and f.type is not FieldType.ID for f in o.fields),
        "retrieveable": True,
        "createable": False,
        "updateable": False,
        "deletable": False,
        "undeletable": False,
        "layoutable": False,
        "urls": {"sobject": url, "describe": f"{url}/describe", "rowTemplate": f"{url}/{{ID}}"},
    }


def _field(f: Field, o: SObject) -> dict:
    soap_type, length = _TYPES[f.type]
    return {
        "name": f.name,
        "label": label(f.name),
        "type": f.type.value,
        "soapType": soap_type,
        "length": length,
        "byteLength": length * 3,
        "precision": 18 if f.type in (FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT) else 0,
        "scale": 2 if f.type in (FieldType.CURRENCY, FieldType.PERCENT) else 0,
        "digits": 9 if f.type is FieldType.INT else 0,
        "custom": f.name.endswith("__c"),
        "nillable": f.name != "Id" and f.type is not FieldType.BOOLEAN,
        "nameField": f.name == "Name" or (not any(x.name == "Name" for x in o.fields) and f.name in o.name_fields[:1]),
        "idLookup": f.name == "Id",
        "filterable": f.type is not FieldType.TEXTAREA,
        "sortable": f.type not in (FieldType.TEXTAREA, FieldType.MULTIPICKLIST),
        "groupable": f.type not in _UNGROUPABLE,
        "aggregatable": True,
        "createable": False,
        "updateable": False,
        "calculated": False,
        "unique": f.name == "Id",
        "externalId": False,
        "referenceTo": list(f.references),
        "relationshipName": f.relationship_name,
        "polymorphicForeignKey": len(f.references) > 1,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v} for v in f.picklist
        ],
        "inlineHelpText": f.description,
        "defaultValue": None,
    }


def label(api_name: str) -> str:
    """`AccountId` -> `Account ID`, `Issue_Date__c` -> `Issue Date`: Salesforce-style field labels."""
    name = api_name[:-3] if api_name.endswith("__c") else api_name
    if name.endswith("Id") and len(name) > 2:
        name = name[:-2] + " ID"
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.replace("_", " "))
    return " ".join(words.split())


def plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|ch|sh)$", word):
        return word + "es"
    return word + "s"
