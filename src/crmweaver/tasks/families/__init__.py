"""One module per task type; each registers its Family with `@register`."""
