"""invalid_config: does a quote's product setup break a configuration-constraint article? Answer its Id or None.

Configuration rules are minimum and maximum quantities, products that cannot be combined and
products that require a companion; as in CRMArena-Pro they live in a few generic articles (one
per kind, each listing every product it constrains), so few distinct article Ids answer all rows.
Sampling, gold and reference are shared with quote_approval (`QuoteRuleFamily`); the reference
finds the rule articles by the phrase every one of them uses, "invalid configuration".
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
        "Configuration policy: a quote's product setup must respect the configuration rules in the knowledge base "
        "(minimum and maximum quantities of a product per quote, products that may not be sold together, products that "
        "require another product on the same quote). Discount levels are out of scope here. A quote that breaks a rule "
        "is an invalid configuration under the article that states the rule."
    )
    none_clause = "if the configuration is valid"
    generic = (
        "Is the product configuration on this quote valid?",
        "Please check this quote for invalid configurations: quantities, combinations, required add-ons. Does it break any rule?",
        "Does this quote have a valid setup?",
        "Before this goes out, can you confirm that the line items on this quote don't break any product configuration rule?",
        "Which configuration rule, if any, does this quote conflict with?",
        "quick check: is this quote configured correctly?",
        "Review the products and quantities on this quote against our knowledge base. Is the setup allowed?",
        "Our quoting tool let this quote through, but I'm not sure the product combination is allowed. Is it?",
        "Can you validate the configuration of the quote \"{name}\"?",
        "Could you verify whether this quote includes a disallowed product combination or an out-of-range quantity?",
        "Configuration audit: is this quote compliant?",
        "I need to know if this quote breaks any of the product setup rules in our knowledge articles.",
        "Sales ops asked me to double-check the setup of \"{name}\". Does it break a configuration rule?",
        "The customer wants {name} exactly as it is. Can we sell that configuration?",
        "Are the quantities and product pairings on this quote within our configuration rules?",
        "Is anything wrong with how this quote is put together, product-wise?",
    )
    with_id = (
        "Is the product configuration on quote {quote} valid?",
        "Does quote {quote} have a valid setup, or does it break a configuration rule?",
        "Which configuration rule, if any, does quote {quote} conflict with?",
        "Could you check quote {quote} for disallowed product combinations or out-of-range quantities?",
        "Does {quote} respect minimum and maximum quantities and the required or incompatible product pairings?",
    )
    templates = generic + with_id
