"""invalid_config: does a quote's product setup break a configuration rule article? Answer its Id or None.

Configuration rules are minimum and maximum quantities, products that cannot be combined and
products that require a companion. Sampling, gold and reference are shared with quote_approval
(`QuoteRuleFamily`); the reference finds the rule articles by the phrase every one of them uses,
"invalid configuration".
"""

from __future__ import annotations

from crmweaver.org.catalog import CONFIG_RULE_KINDS
from crmweaver.tasks.families.quote_approval import QuoteRuleFamily
from crmweaver.tasks.family import register


@register
class InvalidConfig(QuoteRuleFamily):
    code = "invalid_config"
    kinds = CONFIG_RULE_KINDS
    search = '"invalid configuration"'
    policy = (
        "Configuration policy: a quote's product setup must respect the configuration rules (minimum and maximum "
        "quantities of a product per quote, products that may not be sold together, products that require another "
        "product on the same quote). Discount levels are out of scope here."
    )
    templates = (
        "Is the product configuration on quote {quote} valid? If it breaks a rule, give me the knowledge article Id.",
        "Please check quote {quote} ({name}) for invalid configurations — quantities, combinations, required add-ons. Which article does it violate, if any?",
        "Does quote {quote} have a valid setup?",
        "Before this goes out, can you confirm that the line items on {quote} don't break any product configuration rule? Return the violated article's Id or None.",
        "Which configuration policy article, if any, does quote {quote} conflict with?",
        "quick check: is {quote} configured correctly? which rule is broken if not",
        "Review the products and quantities on quote {quote} against our knowledge base and identify the configuration rule it violates.",
        "Our quoting tool let {quote} through, but I'm not sure the product combination is allowed. Which article says otherwise, if any?",
        "Validate the configuration of quote \"{name}\" ({quote}). Answer with the Knowledge article Id of the broken rule, or None.",
        "Could you verify whether quote {quote} includes a disallowed product combination or an out-of-range quantity? Tell me the article Id.",
        "Configuration audit for {quote}: compliant or not? If not, which article?",
        "I need to know if quote {quote} breaks any of the product setup rules in our knowledge articles. Please provide the article Id if so.",
        "Does {quote} respect minimum/maximum quantities and required or incompatible product pairings? Cite the violated article.",
        "Sales ops asked me to double-check the setup of quote {quote} ({name}). Which configuration rule does it break, if any?",
    )
