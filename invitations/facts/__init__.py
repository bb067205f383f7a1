"""Built-in facts, one module per family of criteria; each registers itself in the registry."""
