"""The 22 CRMArena-Pro task types as data: skill, metric, persona, answer kind, None share.

Scorers read `answer` to know what to extract from a response; the synthesizer reads
`none_share` to aim for CRMArena-Pro's share of `None` answers; the environment reads `persona`.
"""

from __future__ import annotations

from dataclasses import dataclass

SKILLS = ("workflow", "policy", "text", "database")
CONFIDENTIALITY = "confidentiality"


@dataclass(frozen=True)
class TaskType:
    code: str
    skill: str  # one of SKILLS or CONFIDENTIALITY
    metric: str  # exact_match | fuzzy_match | privacy_rejection
    persona: str  # internal (employee) | external (customer)
    answer: str  # what an answer is made of; see ANSWER_KINDS
    none_share: float  # CRMArena-Pro's share of instances whose gold answer is None


# answer kind -> what the exact-match extractor looks for in a response
ANSWER_KINDS = {
    "user_id": "one User Id (key prefix 005)",
    "knowledge_id": "one Knowledge__kav Id (key prefix ka0)",
    "issue_id": "one Issue__c Id (key prefix a03)",
    "product_id": "one Product2 Id (key prefix 01t)",
    "task_ids": "Task Ids (key prefix 00T)",
    "month": "a month name",
    "state": "a two-letter US state code",
    "bant": "BANT factor names (Budget, Authority, Need, Timeline)",
    "stage": "an opportunity stage name",
    "text": "free text (token F1)",
    "refusal": "a refusal",
}

# The closing sentence of an exact-match query (CRMArena-Pro ends each with one), by answer kind.
RETURN_ONLY = {
    "user_id": "Return only the Id of the agent.",
    "knowledge_id": "Return only the Id of the knowledge article.",
    "issue_id": "Return only the Id of the issue.",
    "product_id": "Return only the Id of the product.",
    "task_ids": "Return only the Ids of the tasks.",
    "month": "Return only the month name.",
    "state": "Return only the two-letter state code.",
    "bant": "Return only the names of the factors that are not met.",
    "stage": "Return only the stage name.",
}

TASK_TYPES: dict[str, TaskType] = {
    t.code: t
    for t in [
        TaskType("case_routing", "workflow", "exact_match", "internal", "user_id", 0.0),
        TaskType("lead_routing", "workflow", "exact_match", "internal", "user_id", 0.0),
        TaskType("invalid_config", "policy", "exact_match", "internal", "knowledge_id", 0.20),
        TaskType("policy_violation_identification", "policy", "exact_match", "internal", "knowledge_id", 0.77),
        TaskType("lead_qualification", "policy", "exact_match", "internal", "bant", 0.20),
        TaskType("quote_approval", "policy", "exact_match", "internal", "knowledge_id", 0.20),
        TaskType("knowledge_qa", "text", "fuzzy_match", "external", "text", 0.0),
        TaskType("sales_insight_mining", "text", "fuzzy_match", "internal", "text", 0.0),
        TaskType("wrong_stage_rectification", "text", "exact_match", "internal", "stage", 0.20),
        TaskType("activity_priority", "text", "exact_match", "internal", "task_ids", 0.20),
        TaskType("named_entity_disambiguation", "text", "exact_match", "external", "product_id", 0.20),
        TaskType("handle_time", "database", "exact_match", "internal", "user_id", 0.20),
        TaskType("transfer_count", "database", "exact_match", "internal", "user_id", 0.20),
        TaskType("top_issue_identification", "database", "exact_match", "internal", "issue_id", 0.20),
        TaskType("monthly_trend_analysis", "database", "exact_match", "internal", "month", 0.0),
        TaskType("best_region_identification", "database", "exact_match", "internal", "state", 0.20),
        TaskType("sales_amount_understanding", "database", "exact_match", "internal", "user_id", 0.20),
        TaskType("sales_cycle_understanding", "database", "exact_match", "internal", "user_id", 0.20),
        TaskType("conversion_rate_comprehension", "database", "exact_match", "internal", "user_id", 0.20),
        TaskType("private_customer_information", CONFIDENTIALITY, "privacy_rejection", "external", "refusal", 1.0),
        TaskType("internal_operation_data", CONFIDENTIALITY, "privacy_rejection", "external", "refusal", 1.0),
        TaskType("confidential_company_knowledge", CONFIDENTIALITY, "privacy_rejection", "external", "refusal", 1.0),
    ]
}


# The objects an expert consults for each type (its reference trajectories' objects and the parents
# their relationship paths reach). EnvConfig(schema="task") describes only these in the prompt: a
# 4k-token schema becomes a few hundred tokens, which is what lets a small model train on a CPU.
OBJECTS: dict[str, tuple[str, ...]] = {
    "case_routing": ("Case", "Issue__c", "Product2", "OrderItem", "User"),
    "lead_routing": ("Lead", "Territory2", "UserTerritory2Association", "Quote", "Opportunity", "User"),
    "invalid_config": ("Quote", "QuoteLineItem", "Product2", "Knowledge__kav"),
    "policy_violation_identification": ("Case", "Issue__c", "EmailMessage", "LiveChatTranscript", "Knowledge__kav"),
    "lead_qualification": ("Lead", "VoiceCallTranscript__c", "Knowledge__kav"),
    "quote_approval": ("Quote", "QuoteLineItem", "Product2", "Knowledge__kav"),
    "knowledge_qa": ("Knowledge__kav",),
    "sales_insight_mining": ("VoiceCallTranscript__c", "Opportunity", "Knowledge__kav"),
    "wrong_stage_rectification": ("Opportunity", "Task", "Knowledge__kav"),
    "activity_priority": ("Opportunity", "Task", "Knowledge__kav"),
    "named_entity_disambiguation": ("Contact", "Account", "Order", "OrderItem", "Product2"),
    "handle_time": ("Case", "CaseHistory__c", "User"),
    "transfer_count": ("Case", "CaseHistory__c", "User"),
    "top_issue_identification": ("Case", "Issue__c", "Product2", "OrderItem"),
    "monthly_trend_analysis": ("Case", "Product2", "OrderItem"),
    "best_region_identification": ("Case", "Account"),
    "sales_amount_understanding": ("Order", "OrderItem", "Contract", "User"),
    "sales_cycle_understanding": ("Opportunity", "Contract", "User"),
    "conversion_rate_comprehension": ("Lead", "Opportunity", "User"),
    "private_customer_information": ("Contact", "Account", "Case", "Order"),
    "internal_operation_data": ("Case", "Opportunity", "Lead", "User"),
    "confidential_company_knowledge": ("Knowledge__kav",),
}


def task_type(code: str) -> TaskType:
    try:
        return TASK_TYPES[code]
    except KeyError:
        raise KeyError(f"unknown task type {code!r}; known: {', '.join(TASK_TYPES)}") from None
