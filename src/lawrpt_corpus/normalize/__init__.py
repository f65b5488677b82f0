"""Stage: text normalisation — Unicode hygiene, then width/punctuation, then script."""

from .hygiene import Hygiene
from .script import ScriptNormalize, ScriptRecheck
from .typography import Typography

__all__ = ["Hygiene", "ScriptNormalize", "ScriptRecheck", "Typography"]
