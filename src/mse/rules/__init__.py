"""Effective-dated rule sets, each rule with an id, a citation and valid_from/valid_to (DESIGN.md §3)."""
