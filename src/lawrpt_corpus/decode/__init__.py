"""Stage: bytes → text."""

from .step import DecodeStep

__all__ = ["DecodeStep"]
