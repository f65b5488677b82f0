"""Boilerplate: rule packs (data) → :class:`StripBoilerplate` (+ blocks); corpus layers
:class:`RepeatedLines`, :class:`Templates` (templated lines, inline spam spans) and
:class:`SiteRepeat` (lines one site repeats on its own pages)."""

from __future__ import annotations

from .repeated import RepeatedLines
from .ruleset import Rule, RuleSet, compile_packs, default_rules, parse_pack
from .site import SiteRepeat
from .strip import StripBoilerplate
from .templates import Templates

__all__ = [
    "RepeatedLines",
    "Rule",
    "RuleSet",
    "SiteRepeat",
    "StripBoilerplate",
    "Templates",
    "compile_packs",
    "default_rules",
    "parse_pack",
]
