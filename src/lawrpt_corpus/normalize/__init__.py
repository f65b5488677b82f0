"""Stage: text normalisation (Unicode hygiene, then width/punctuation, then script)."""

from .hygiene import Hygiene

__all__ = ["Hygiene"]
