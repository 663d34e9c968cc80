"""The «Классификации и критерии» of MSE as data: dated rule sets (585н, 374н) and the quantitative appendix rows."""

from .appendix import Population, QuantRow, RowMatch, match_rows
from .rulesets import Degree, Entry, RuleSet, RuleSetError, other_ruleset, ruleset_by_id, ruleset_in_force, rulesets

__all__ = [
    "Degree", "Entry", "Population", "QuantRow", "RowMatch", "RuleSet", "RuleSetError", "match_rows", "other_ruleset",
    "ruleset_by_id", "ruleset_in_force", "rulesets",
]
