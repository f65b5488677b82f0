"""Stage: normalize (width & punctuation, script)."""

from .script import ScriptNormalize
from .typography import Typography

__all__ = ["ScriptNormalize", "Typography"]
