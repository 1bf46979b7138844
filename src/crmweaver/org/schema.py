"""The org schema: CRMArena-Pro's 27 objects, for the B2B and B2C presets.

This module is the single source of truth for object and field names, field types, reference
targets, relationship names and key prefixes. The generator writes tables from it, the SOQL
engine validates queries against it, and the agent's prompt lists it; nothing else hard-codes
a field name of the org.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache

from crmweaver.errors import ConfigError

SCHEMA_VERSION = "1"
PRESETS = ("b2b", "b2c")


class FieldType(str, Enum):
    ID = "id"
    REFERENCE = "reference"
    STRING = "string"
    TEXTAREA = "textarea"  # long text
    EMAIL = "email"
    PHONE = "phone"
    PICKLIST = "picklist"
    MULTIPICKLIST = "multipicklist"
    INT = "int"
    DOUBLE = "double"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"

    @property
    def is_text(self) -> bool:
        return self in _TEXT_TYPES

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.INT, FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT)

    @property
    def sqlite_type(self) -> str:
        if self in (FieldType.INT, FieldType.BOOLEAN):
            return "INTEGER"
        if self in (FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT):
            return "REAL"
        return "TEXT"


_TEXT_TYPES = frozenset(
    {
        FieldType.ID,
        FieldType.REFERENCE,
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.PICKLIST,
        FieldType.MULTIPICKLIST,
    }
)


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    description: str
    references: tuple[str, ...] = ()  # target objects of a reference (several = polymorphic)
    picklist: tuple[str, ...] = ()
    presets: tuple[str, ...] = PRESETS

    @property
    def relationship_name(self) -> str | None:
        """Salesforce's parent relationship name: `OwnerId` -> `Owner`, `IssueId__c` -> `IssueId__r`."""
        if self.type is not FieldType.REFERENCE:
            return None
        if self.name.endswith("__c"):
            return self.name[:-3] + "__r"
        if self.name.endswith("Id"):
            return self.name[:-2]
        return None


@dataclass(frozen=True)
class ChildRelationship:
    name: str  # e.g. "Contacts"
    child: str  # child object, e.g. "Contact"
    field: str  # reference field on the child, e.g. "AccountId"


@dataclass(frozen=True, eq=False)
class SObject:
    name: str
    key_prefix: str
    label: str
    description: str
    fields: tuple[Field, ...]
    counts: dict[str, int]  # record count at scale 1 per preset
    scaled: bool  # transactional objects grow with the scale factor
    name_fields: tuple[str, ...] = ()  # searched by SOSL `IN NAME FIELDS`
    children: tuple[ChildRelationship, ...] = ()
    _by_lower: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_lower", {f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> Field | None:
        """Case-insensitive field lookup, as Salesforce resolves names."""
        return self._by_lower.get(name.lower())

    def reference_by_relationship(self, rel: str) -> Field | None:
        rel = rel.lower()
        for f in self.fields:
            if f.relationship_name and f.relationship_name.lower() == rel:
                return f
        return None

    def child(self, name: str) -> ChildRelationship | None:
        name = name.lower()
        return next((c for c in self.children if c.name.lower() == name), None)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


T = FieldType


def _id(obj: str) -> Field:
    return Field("Id", T.ID, f"Unique 18-character id of the {obj} record.")


def _ref(name: str, to: str | tuple[str, ...], desc: str, presets: tuple[str, ...] = PRESETS) -> Field:
    return Field(name, T.REFERENCE, desc, references=(to,) if isinstance(to, str) else to, presets=presets)


def _pick(name: str, values: tuple[str, ...], desc: str) -> Field:
    return Field(name, T.PICKLIST, desc, picklist=values)


B2B, B2C = ("b2b",), ("b2c",)

# Salesforce's compound Name of people (read-only, "First Last"); CRMArena-Pro's field lists omit it,
# but agents write `Owner.Name` against a live org, so the offline org answers it too.
NAME_DESCRIPTION = "Full name: FirstName LastName (read-only)."

CASE_STATUS = ("New", "Working", "Escalated", "Closed")
CASE_PRIORITY = ("Low", "Medium", "High", "Critical")
CASE_HISTORY_FIELD = ("Case Creation", "Owner Assignment", "Case Closed")
STAGES = ("Qualification", "Discovery", "Quote", "Negotiation", "Closed")
QUOTE_STATUS = ("Draft", "Needs Review", "In Review", "Approved", "Rejected", "Presented", "Accepted", "Denied")
TASK_STATUS = ("Not Started", "In Progress", "Completed", "Deferred", "Waiting")
TASK_PRIORITY = ("Low", "Medium", "High", "Urgent")
ORDER_STATUS = ("Draft", "Activated")
LEAD_STATUS = ("New", "Contacted", "Qualified", "Proposal", "Negotiation", "Closed")
CONTRACT_STATUS = ("Draft", "In Approval Process", "Activated")

# (child object, reference field) -> child relationship name on the parent.
CHILD_RELATIONSHIP_NAMES: dict[tuple[str, str], str] = {
    ("Contact", "AccountId"): "Contacts",
    ("Case", "AccountId"): "Cases",
    ("Case", "ContactId"): "Cases",
    ("Case", "OrderItemId__c"): "Cases__r",
    ("Case", "IssueId__c"): "Cases__r",
    ("CaseHistory__c", "CaseId__c"): "CaseHistories__r",
    ("EmailMessage", "ParentId"): "EmailMessages",
    ("EmailMessage", "RelatedToId"): "Emails",
    ("LiveChatTranscript", "CaseId"): "LiveChatTranscripts",
    ("LiveChatTranscript", "AccountId"): "LiveChatTranscripts",
    ("LiveChatTranscript", "ContactId"): "LiveChatTranscripts",
    ("ProductCategoryProduct", "ProductCategoryId"): "ProductCategoryProducts",
    ("ProductCategoryProduct", "ProductId"): "ProductCategoryProducts",
    ("PricebookEntry", "Pricebook2Id"): "PricebookEntries",
    ("PricebookEntry", "Product2Id"): "PricebookEntries",
    ("Order", "AccountId"): "Orders",
    ("Order", "Pricebook2Id"): "Orders",
    ("Order", "ContractId"): "Orders",
    ("OrderItem", "OrderId"): "OrderItems",
    ("OrderItem", "Product2Id"): "OrderItems",
    ("Opportunity", "AccountId"): "Opportunities",
    ("Opportunity", "ContactId"): "Opportunities",
    ("Opportunity", "ContractID__c"): "Opportunities__r",
    ("OpportunityLineItem", "OpportunityId"): "OpportunityLineItems",
    ("Quote", "OpportunityId"): "Quotes",
    ("Quote", "AccountId"): "Quotes",
    ("Quote", "ContactId"): "Quotes",
    ("QuoteLineItem", "QuoteId"): "QuoteLineItems",
    ("Contract", "AccountId"): "Contracts",
    ("VoiceCallTranscript__c", "LeadId__c"): "VoiceCallTranscripts__r",
    ("VoiceCallTranscript__c", "OpportunityId__c"): "VoiceCallTranscripts__r",
    ("Task", "WhatId"): "Tasks",
    ("Task", "OwnerId"): "Tasks",
    ("Event", "WhatId"): "Events",
    ("Event", "OwnerId"): "Events",
    ("UserTerritory2Association", "UserId"): "UserTerritory2Associations",
    ("UserTerritory2Association", "Territory2Id"): "UserTerritory2Associations",
}


def _objects() -> list[SObject]:
    def obj(name, prefix, label, desc, fields, b2b, b2c, scaled, name_fields=()):
        return SObject(name, prefix, label, desc, tuple(fields), {"b2b": b2b, "b2c": b2c}, scaled, name_fields)

    return [
        obj("User", "005", "User", "An employee of the company: sales or service agent.", [
            _id("User"),
            Field("FirstName", T.STRING, "First name."),
            Field("LastName", T.STRING, "Last name."),
            Field("Name", T.STRING, NAME_DESCRIPTION),
            Field("Alias", T.STRING, "Short alias (up to 8 characters)."),
            Field("Email", T.EMAIL, "Work email address."),
            Field("Phone", T.PHONE, "Work phone number."),
            Field("Username", T.STRING, "Login name, unique across orgs."),
            Field("ProfileId", T.STRING, "Id of the user's profile (agent role)."),
            Field("EmailEncodingKey", T.STRING, "Email encoding, e.g. UTF-8."),
            Field("LanguageLocaleKey", T.STRING, "Language, e.g. en_US."),
            Field("LocaleSidKey", T.STRING, "Locale, e.g. en_US."),
            Field("TimeZoneSidKey", T.STRING, "Time zone, e.g. America/Los_Angeles."),
        ], 212, 212, False, ("Name", "FirstName", "LastName", "Username")),
        obj("Account", "001", "Account", "A customer: a company (B2B) or a person account (B2C).", [
            _id("Account"),
            Field("Name", T.STRING, "Account name (company name, or the person's full name in B2C)."),
            Field("FirstName", T.STRING, "Person account first name.", presets=B2C),
            Field("LastName", T.STRING, "Person account last name.", presets=B2C),
            Field("PersonEmail", T.EMAIL, "Person account email address.", presets=B2C),
            Field("Industry", T.STRING, "Industry of the company.", presets=B2B),
            Field("Description", T.TEXTAREA, "Free-text description of the account."),
            Field("NumberOfEmployees", T.INT, "Number of employees.", presets=B2B),
            Field("Phone", T.PHONE, "Main phone number."),
            Field("ShippingState", T.STRING, "Two-letter US state code of the shipping address."),
        ], 101, 200, False, ("Name",)),
        obj("Contact", "003", "Contact", "A person at a customer account.", [
            _id("Contact"),
            Field("FirstName", T.STRING, "First name.", presets=B2B),
            Field("LastName", T.STRING, "Last name.", presets=B2B),
            Field("Name", T.STRING, NAME_DESCRIPTION, presets=B2B),
            Field("Email", T.EMAIL, "Email address.", presets=B2B),
            _ref("AccountId", "Account", "The account the contact belongs to."),
        ], 886, 200, False, ("Name", "FirstName", "LastName")),
        obj("Case", "500", "Case", "A customer service case.", [
            _id("Case"),
            Field("Subject", T.STRING, "Short summary of the customer's problem."),
            Field("Description", T.TEXTAREA, "The customer's description of the problem."),
            _pick("Status", CASE_STATUS, "Case status."),
            _pick("Priority", CASE_PRIORITY, "Case priority."),
            Field("CreatedDate", T.DATETIME, "When the case was opened."),
            Field("ClosedDate", T.DATETIME, "When the case was closed (null while open)."),
            _ref("OwnerId", "User", "The service agent who currently owns the case."),
            _ref("AccountId", "Account", "The customer account."),
            _ref("ContactId", "Contact", "The customer contact who raised the case."),
            _ref("OrderItemId__c", "OrderItem", "The purchased order line (product) the case is about."),
            _ref("IssueId__c", "Issue__c", "The issue category of the case."),
        ], 153, 289, True, ("Subject",)),
        obj("CaseHistory__c", "a04", "Case History", "Life events of a case: creation, owner assignments (transfers), closure.", [
            _id("CaseHistory__c"),
            _ref("CaseId__c", "Case", "The case this event belongs to."),
            _pick("Field__c", CASE_HISTORY_FIELD, "Kind of event: Case Creation, Owner Assignment or Case Closed."),
            _ref("OldValue__c", "User", "Previous owner (Owner Assignment only; null otherwise)."),
            _ref("NewValue__c", "User", "New owner (Owner Assignment and Case Creation)."),
            Field("CreatedDate", T.DATETIME, "When the event happened."),
        ], 393, 741, True),
        obj("Issue__c", "a03", "Issue", "A category of customer issue.", [
            _id("Issue__c"),
            Field("Name", T.STRING, "Issue name."),
            Field("Description__c", T.TEXTAREA, "What the issue covers."),
        ], 15, 15, False, ("Name",)),
        obj("Knowledge__kav", "ka0", "Knowledge Article", "Knowledge base: product FAQs, competitor profiles, sales and service policies.", [
            _id("Knowledge__kav"),
            Field("Title", T.STRING, "Article title."),
            Field("Summary", T.TEXTAREA, "Short summary of the article."),
            Field("UrlName", T.STRING, "URL-friendly unique name."),
            Field("FAQ_Answer__c", T.TEXTAREA, "Article body."),
        ], 194, 110, False, ("Title",)),
        obj("EmailMessage", "02s", "Email Message", "Emails exchanged with customers about cases and opportunities.", [
            _id("EmailMessage"),
            Field("Subject", T.STRING, "Email subject."),
            Field("TextBody", T.TEXTAREA, "Plain-text body."),
            Field("FromAddress", T.EMAIL, "Sender address."),
            Field("ToIds", T.STRING, "Ids of the recipients (contacts or users), comma-separated."),
            Field("MessageDate", T.DATETIME, "When the email was sent."),
            _ref("ParentId", "Case", "The case the email belongs to (null for sales emails)."),
            _ref("RelatedToId", ("Case", "Opportunity"), "The case or opportunity the email relates to."),
        ], 5686, 11403, True, ("Subject",)),
        obj("LiveChatTranscript", "570", "Live Chat Transcript", "Transcripts of live chats between customers and service agents.", [
            _id("LiveChatTranscript"),
            Field("Body", T.TEXTAREA, "The chat transcript."),
            Field("EndTime", T.DATETIME, "When the chat ended."),
            _ref("CaseId", "Case", "The case discussed."),
            _ref("AccountId", "Account", "The customer account."),
            _ref("ContactId", "Contact", "The customer contact."),
            _ref("OwnerId", "User", "The agent who handled the chat."),
            Field("LiveChatVisitorId", T.STRING, "Id of the chat visitor session."),
        ], 58, 110, True),
        obj("ProductCategory", "0ZG", "Product Category", "A category of products in the catalog.", [
            _id("ProductCategory"),
            Field("Name", T.STRING, "Category name."),
            Field("CatalogId", T.STRING, "Id of the catalog the category belongs to."),
        ], 10, 5, False, ("Name",)),
        obj("Product2", "01t", "Product", "A product the company sells.", [
            _id("Product2"),
            Field("Name", T.STRING, "Product name."),
            Field("Description", T.TEXTAREA, "Product description."),
            Field("IsActive", T.BOOLEAN, "Whether the product can be sold."),
            Field("External_ID__c", T.STRING, "External product code."),
        ], 51, 51, False, ("Name",)),
        obj("ProductCategoryProduct", "0ZS", "Product Category Product", "Links products to categories.", [
            _id("ProductCategoryProduct"),
            _ref("ProductCategoryId", "ProductCategory", "The category."),
            _ref("ProductId", "Product2", "The product."),
        ], 100, 60, False),
        obj("Pricebook2", "01s", "Price Book", "A list of product prices.", [
            _id("Pricebook2"),
            Field("Name", T.STRING, "Price book name."),
            Field("Description", T.TEXTAREA, "Price book description."),
            Field("IsActive", T.BOOLEAN, "Whether the price book is in use."),
            Field("ValidFrom", T.DATETIME, "Start of validity."),
            Field("ValidTo", T.DATETIME, "End of validity."),
        ], 2, 2, False, ("Name",)),
        obj("PricebookEntry", "01u", "Price Book Entry", "A product's list price in a price book.", [
            _id("PricebookEntry"),
            _ref("Pricebook2Id", "Pricebook2", "The price book."),
            _ref("Product2Id", "Product2", "The product."),
            Field("UnitPrice", T.CURRENCY, "List price per unit (USD)."),
        ], 50, 50, False),
        obj("Order", "801", "Order", "A customer order.", [
            _id("Order"),
            _ref("AccountId", "Account", "The customer account."),
            _ref("OwnerId", "User", "The sales agent who owns the order."),
            _ref("Pricebook2Id", "Pricebook2", "The price book used."),
            _ref("ContractId", "Contract", "The contract the order fulfils (standard Salesforce field)."),
            _pick("Status", ORDER_STATUS, "Order status."),
            Field("EffectiveDate", T.DATE, "Date the order takes effect (purchase date)."),
        ], 163, 329, True),
        obj("OrderItem", "802", "Order Product", "A line of an order: a product, quantity and price.", [
            _id("OrderItem"),
            _ref("OrderId", "Order", "The order."),
            _ref("Product2Id", "Product2", "The product."),
            _ref("PriceBookEntryId", "PricebookEntry", "The price book entry.", presets=B2B),
            _ref("PricebookEntryId", "PricebookEntry", "The price book entry.", presets=B2C),
            Field("Quantity", T.DOUBLE, "Number of units."),
            Field("UnitPrice", T.CURRENCY, "Sale price per unit (USD)."),
        ], 689, 1649, True),
        obj("Opportunity", "006", "Opportunity", "A potential sale to an account.", [
            _id("Opportunity"),
            Field("Name", T.STRING, "Opportunity name."),
            Field("Description", T.TEXTAREA, "Opportunity description."),
            _ref("AccountId", "Account", "The customer account."),
            _ref("ContactId", "Contact", "The main customer contact."),
            _ref("OwnerId", "User", "The sales agent who owns the opportunity."),
            _ref("ContractID__c", "Contract", "The contract signed for this opportunity (null until won)."),
            Field("Amount", T.CURRENCY, "Estimated total sale amount (USD)."),
            Field("Probability", T.PERCENT, "Likelihood of closing, 0-100."),
            _pick("StageName", STAGES, "Sales stage."),
            Field("CreatedDate", T.DATETIME, "When the opportunity was created."),
            Field("CloseDate", T.DATE, "Expected or actual close date."),
        ], 1170, 2292, True, ("Name",)),
        obj("OpportunityLineItem", "00k", "Opportunity Product", "A product line on an opportunity.", [
            _id("OpportunityLineItem"),
            _ref("OpportunityId", "Opportunity", "The opportunity."),
            _ref("Product2Id", "Product2", "The product."),
            _ref("PricebookEntryId", "PricebookEntry", "The price book entry."),
            Field("Quantity", T.DOUBLE, "Number of units."),
            Field("TotalPrice", T.CURRENCY, "Line total (USD)."),
        ], 4926, 11913, True),
        obj("Quote", "0Q0", "Quote", "A price quote sent for an opportunity.", [
            _id("Quote"),
            Field("Name", T.STRING, "Quote name."),
            Field("Description", T.TEXTAREA, "Quote description."),
            _ref("OpportunityId", "Opportunity", "The opportunity quoted."),
            _ref("AccountId", "Account", "The customer account."),
            _ref("ContactId", "Contact", "The customer contact."),
            _pick("Status", QUOTE_STATUS, "Quote status."),
            Field("CreatedDate", T.DATETIME, "When the quote was created."),
            Field("ExpirationDate", T.DATE, "Date the quote expires."),
        ], 704, 1379, True, ("Name",)),
        obj("QuoteLineItem", "0QL", "Quote Line Item", "A product line on a quote, with discount.", [
            _id("QuoteLineItem"),
            _ref("QuoteId", "Quote", "The quote."),
            _ref("OpportunityLineItemId", "OpportunityLineItem", "The opportunity line this quote line prices."),
            _ref("Product2Id", "Product2", "The product."),
            _ref("PricebookEntryId", "PricebookEntry", "The price book entry."),
            Field("Quantity", T.DOUBLE, "Number of units."),
            Field("UnitPrice", T.CURRENCY, "Price per unit before discount (USD)."),
            Field("Discount", T.PERCENT, "Discount in percent, 0-100."),
            Field("TotalPrice", T.CURRENCY, "Quantity x UnitPrice x (1 - Discount/100)."),
        ], 2966, 7107, True),
        obj("Contract", "800", "Contract", "A signed sales contract with an account.", [
            _id("Contract"),
            _ref("AccountId", "Account", "The customer account."),
            _pick("Status", CONTRACT_STATUS, "Contract status."),
            Field("StartDate", T.DATE, "Date the contract starts."),
            Field("CustomerSignedDate", T.DATE, "Date the customer signed."),
            Field("CompanySignedDate", T.DATE, "Date the company signed.", presets=B2B),
            Field("ContractTerm", T.INT, "Contract term in months."),
            Field("Description", T.TEXTAREA, "Contract description."),
        ], 163, 329, True),
        obj("VoiceCallTranscript__c", "a05", "Voice Call Transcript", "Transcripts of sales calls with leads and opportunities.", [
            _id("VoiceCallTranscript__c"),
            Field("Body__c", T.TEXTAREA, "Transcript, one line per utterance: [timestamp] Name: text."),
            Field("CreatedDate", T.DATETIME, "When the call started."),
            Field("EndTime__c", T.DATETIME, "When the call ended."),
            _ref("LeadId__c", "Lead", "The lead on the call (null for opportunity calls)."),
            _ref("OpportunityId__c", "Opportunity", "The opportunity discussed (null for lead calls)."),
        ], 4033, 6796, True),
        obj("Task", "00T", "Task", "A sales activity planned or done for an opportunity.", [
            _id("Task"),
            Field("Subject", T.STRING, "What the task is."),
            Field("Description", T.TEXTAREA, "Details of the task."),
            _pick("Status", TASK_STATUS, "Task status."),
            _pick("Priority", TASK_PRIORITY, "Task priority."),
            Field("ActivityDate", T.DATE, "Due date."),
            _ref("OwnerId", "User", "The agent assigned."),
            _ref("WhatId", "Opportunity", "The opportunity the task is for."),
        ], 4829, 9007, True, ("Subject",)),
        obj("Event", "00U", "Event", "A meeting or call on the calendar for an opportunity.", [
            _id("Event"),
            Field("Subject", T.STRING, "Event title."),
            Field("Description", T.TEXTAREA, "Event details."),
            Field("Location", T.STRING, "Where the event takes place."),
            Field("StartDateTime", T.DATETIME, "Start time."),
            Field("DurationInMinutes", T.INT, "Length in minutes."),
            Field("IsAllDayEvent", T.BOOLEAN, "Whether the event lasts all day."),
            _ref("OwnerId", "User", "The agent who owns the event."),
            _ref("WhatId", "Opportunity", "The opportunity the event is for."),
        ], 172, 148, True, ("Subject",)),
        obj("Territory2", "0MI", "Territory", "A sales territory: a set of US states.", [
            _id("Territory2"),
            Field("Name", T.STRING, "Territory name."),
            Field("Description", T.TEXTAREA, "Comma-separated two-letter state codes covered."),
        ], 10, 10, False, ("Name",)),
        obj("UserTerritory2Association", "0R0", "User Territory Association", "Assigns sales agents to territories.", [
            _id("UserTerritory2Association"),
            _ref("UserId", "User", "The agent."),
            _ref("Territory2Id", "Territory2", "The territory."),
        ], 184, 184, False),
        obj("Lead", "00Q", "Lead", "A prospective customer not yet converted.", [
            _id("Lead"),
            Field("FirstName", T.STRING, "First name."),
            Field("LastName", T.STRING, "Last name."),
            Field("Name", T.STRING, NAME_DESCRIPTION),
            Field("Email", T.EMAIL, "Email address."),
            Field("Phone", T.PHONE, "Phone number."),
            Field("Company", T.STRING, "Company of the lead.", presets=B2B),
            Field("Title", T.STRING, "Job title of the lead.", presets=B2B),
            _pick("Status", LEAD_STATUS, "Lead status."),
            _ref("OwnerId", "User", "The sales agent who owns the lead."),
            Field("CreatedDate", T.DATETIME, "When the lead was created."),
            Field("IsConverted", T.BOOLEAN, "Whether the lead was converted to an account and contact."),
            Field("ConvertedDate", T.DATE, "Date of conversion (null if not converted)."),
            _ref("ConvertedAccountId", "Account", "Account created or matched on conversion."),
            _ref("ConvertedContactId", "Contact", "Contact created or matched on conversion."),
        ], 1465, 222, True, ("Name", "FirstName", "LastName", "Company")),
    ]


@dataclass(frozen=True, eq=False)
class Schema:
    preset: str
    objects: dict[str, SObject]
    _lower: dict[str, SObject] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lower", {k.lower(): v for k, v in self.objects.items()})

    def object(self, name: str) -> SObject | None:
        """Case-insensitive object lookup."""
        return self._lower.get(name.lower())

    def __iter__(self):
        return iter(self.objects.values())

    def by_prefix(self, prefix: str) -> SObject | None:
        return next((o for o in self.objects.values() if o.key_prefix == prefix), None)


@cache
def schema_for(preset: str) -> Schema:
    """The schema of one preset, with preset-only fields dropped and child relationships filled."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    objects = {}
    for o in _objects():
        fields = tuple(f for f in o.fields if preset in f.presets)
        objects[o.name] = SObject(o.name, o.key_prefix, o.label, o.description, fields, o.counts, o.scaled, tuple(n for n in o.name_fields if any(f.name == n for f in fields)))
    children: dict[str, list[ChildRelationship]] = {name: [] for name in objects}
    for o in objects.values():
        for f in o.fields:
            rel = CHILD_RELATIONSHIP_NAMES.get((o.name, f.name))
            if rel:
                for target in f.references:
                    children[target].append(ChildRelationship(rel, o.name, f.name))
    return Schema(preset, {n: _with_children(o, tuple(children[n])) for n, o in objects.items()})


def _with_children(o: SObject, children: tuple[ChildRelationship, ...]) -> SObject:
    return SObject(o.name, o.key_prefix, o.label, o.description, o.fields, o.counts, o.scaled, o.name_fields, children)


def describe(schema: Schema, only: Iterable[str] | None = None) -> str:
    """The schema as compact text for an agent's prompt: objects, fields with types, relationships.
    `only` keeps the named objects (and the child relationships among them)."""
    keep = {n.lower() for n in only} if only is not None else None
    lines = []
    for o in schema:
        if keep is not None and o.name.lower() not in keep:
            continue
        lines.append(f"{o.name} ({o.label}): {o.description}")
        for f in o.fields:
            kind = f.type.value
            if f.references:
                kind += " -> " + "/".join(f.references) + f" (relationship {f.relationship_name})"
            if f.picklist:
                kind += " [" + ", ".join(f.picklist) + "]"
            lines.append(f"  - {f.name}: {kind}. {f.description}")
        children = [c for c in o.children if keep is None or c.child.lower() in keep]
        if children:
            lines.append("  children: " + ", ".join(f"{c.name} ({c.child}.{c.field})" for c in children))
    return "\n".join(lines)
