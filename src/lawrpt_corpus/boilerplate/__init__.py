"""Boilerplate: rule packs (data) → :class:`StripBoilerplate`; :class:`RepeatedLines`."""

from __future__ import annotations

from .repeated import RepeatedLines
from .ruleset import Rule, RuleSet, compile_packs, default_rules, parse_pack
from .strip import StripBoilerplate

__all__ = [
    "RepeatedLines",
    "Rule",
    "RuleSet",
    "StripBoilerplate",
    "compile_packs",
    "default_rules",
    "parse_pack",
]
