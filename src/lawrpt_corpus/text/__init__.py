"""Character classes shared by every stage (one definition each); imports no stage.

See :mod:`lawrpt_corpus.text.chars`.
"""

from .chars import (
    CJK_PUNCT,
    FULL_PUNCT,
    HALF_PUNCT,
    HAN,
    HAN_IDEOGRAPH_RANGES,
    HAN_SCRIPT_RANGES,
    SPACES,
    is_chinese,
)

__all__ = [
    "CJK_PUNCT",
    "FULL_PUNCT",
    "HALF_PUNCT",
    "HAN",
    "HAN_IDEOGRAPH_RANGES",
    "HAN_SCRIPT_RANGES",
    "SPACES",
    "is_chinese",
]
