from crmweaver.org.schema import PRESETS, FieldType, describe, schema_for

EXPECTED_OBJECTS = {
    "User", "Account", "Contact", "Case", "CaseHistory__c", "Issue__c", "Knowledge__kav", "EmailMessage",
    "LiveChatTranscript", "ProductCategory", "Product2", "ProductCategoryProduct", "Pricebook2", "PricebookEntry",
    "Order", "OrderItem", "Opportunity", "OpportunityLineItem", "Quote", "QuoteLineItem", "Contract",
    "VoiceCallTranscript__c", "Task", "Event", "Territory2", "UserTerritory2Association", "Lead",
}


def test_all_27_objects_in_both_presets():
    for preset in PRESETS:
        assert set(schema_for(preset).objects) == EXPECTED_OBJECTS


def test_key_prefixes_unique_and_documented():
    s = schema_for("b2b")
    prefixes = [o.key_prefix for o in s]
    assert len(set(prefixes)) == 27
    documented = {"User": "005", "Account": "001", "Contact": "003", "Case": "500", "Knowledge__kav": "ka0",
                  "Opportunity": "006", "Quote": "0Q0", "Task": "00T", "Lead": "00Q", "Product2": "01t",
                  "Order": "801", "OrderItem": "802", "Contract": "800", "Issue__c": "a03",
                  "CaseHistory__c": "a04", "VoiceCallTranscript__c": "a05"}
    for name, prefix in documented.items():
        assert s.objects[name].key_prefix == prefix
        assert s.by_prefix(prefix).name == name


def test_b2c_differences():
    b2b, b2c = schema_for("b2b"), schema_for("b2c")
    assert b2b.object("Account").field("Industry") and not b2c.object("Account").field("Industry")
    assert b2c.object("Account").field("PersonEmail") and not b2b.object("Account").field("PersonEmail")
    assert b2c.object("Contact").field_names == ["Id", "AccountId"]
    assert b2b.object("Contract").field("CompanySignedDate") and not b2c.object("Contract").field("CompanySignedDate")
    assert not b2c.object("Lead").field("Company") and not b2c.object("Lead").field("Title")
    assert b2b.object("OrderItem").field("PriceBookEntryId").name == "PriceBookEntryId"
    assert b2c.object("OrderItem").field("PricebookEntryId").name == "PricebookEntryId"
    # lookups are case-insensitive, as in Salesforce, but each preset spells its own field
    assert b2b.object("orderitem").field("pricebookentryid").name == "PriceBookEntryId"


def test_relationship_names_follow_salesforce():
    s = schema_for("b2b")
    case = s.object("Case")
    assert case.field("OwnerId").relationship_name == "Owner"
    assert case.field("IssueId__c").relationship_name == "IssueId__r"
    assert case.reference_by_relationship("issueid__r").name == "IssueId__c"
    assert s.object("OrderItem").reference_by_relationship("Order").references == ("Order",)
    assert s.object("EmailMessage").field("RelatedToId").references == ("Case", "Opportunity")
    assert s.object("Case").field("Subject").relationship_name is None


def test_child_relationships():
    s = schema_for("b2b")
    account = s.object("Account")
    assert account.child("contacts").child == "Contact"
    assert {c.name for c in account.children} >= {"Contacts", "Cases", "Opportunities", "Orders", "Contracts"}
    assert s.object("Case").child("CaseHistories__r").field == "CaseId__c"
    assert s.object("Lead").child("VoiceCallTranscripts__r").child == "VoiceCallTranscript__c"
    assert s.object("Quote").child("QuoteLineItems").child == "QuoteLineItem"
    assert s.object("Order").child("OrderItems").field == "OrderId"
    assert s.object("Opportunity").child("Tasks").field == "WhatId"
    for obj in s:  # child names are unique per parent, so subqueries are unambiguous
        names = [c.name for c in obj.children]
        assert len(names) == len(set(names)), obj.name


def test_fields_typed_and_described():
    for preset in PRESETS:
        for obj in schema_for(preset):
            assert obj.fields[0].name == "Id" and obj.fields[0].type is FieldType.ID
            assert obj.description and obj.counts[preset] > 0
            for f in obj.fields:
                assert f.description, (obj.name, f.name)
                if f.type is FieldType.REFERENCE:
                    assert f.references and all(t in schema_for(preset).objects for t in f.references)
                if f.type is FieldType.PICKLIST:
                    assert f.picklist
    case = schema_for("b2b").object("Case")
    assert case.field("Status").picklist == ("New", "Working", "Escalated", "Closed")
    assert case.field("CreatedDate").type is FieldType.DATETIME
    assert schema_for("b2b").object("Opportunity").field("CloseDate").type is FieldType.DATE
    assert schema_for("b2b").object("QuoteLineItem").field("Discount").type is FieldType.PERCENT


def test_reference_objects_fixed_transactional_scaled():
    s = schema_for("b2b")
    for name in ("Issue__c", "Territory2", "Pricebook2", "Product2", "Knowledge__kav"):
        assert not s.objects[name].scaled
    for name in ("Case", "CaseHistory__c", "Opportunity", "Quote", "Order", "OrderItem", "Lead", "Task",
                 "Event", "EmailMessage", "VoiceCallTranscript__c", "LiveChatTranscript", "QuoteLineItem"):
        assert s.objects[name].scaled


def test_describe_lists_fields_and_relationships():
    text = describe(schema_for("b2b"))
    assert "OwnerId: reference -> User (relationship Owner)" in text
    assert "children: Contacts (Contact.AccountId)" in text
    assert "StageName: picklist [Qualification, Discovery, Quote, Negotiation, Closed]" in text
