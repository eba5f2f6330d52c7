"""Innovation Service Desk: the domain (models, rules, operations, queries) and its web layer."""
