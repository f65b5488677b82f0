"""Boilerplate: rule packs (data) → :class:`StripBoilerplate` (+ blocks); corpus layers
:class:`RepeatedLines` and :class:`Templates` (templated lines, inline spam spans)."""

from __future__ import annotations

from .repeated import RepeatedLines
from .ruleset import Rule, RuleSet, compile_packs, default_rules, parse_pack
from .strip import StripBoilerplate
from .templates import Templates

__all__ = [
    "RepeatedLines",
    "Rule",
    "RuleSet",
    "StripBoilerplate",
    "Templates",
    "compile_packs",
    "default_rules",
    "parse_pack",
]
