"""Text normalisation shared by header matching and code lookups."""

from __future__ import annotations

import functools
import re

_PUNCTUATION = re.compile(r"[«»\"“”„'`.,:;()\[\]*/\\№#]+")
_DASH = re.compile(r"\s*[-–—]\s*")


@functools.lru_cache(maxsize=65536)
def normalise(text: object) -> str:
    """Lower case, ё → е, punctuation (quotes, dots, №, slashes) dropped, dashes and spaces folded."""
    value = str(text).replace("\u00a0", " ").replace("\u2009", " ").lower().replace("ё", "е")
    value = _DASH.sub("-", _PUNCTUATION.sub(" ", value))
    return " ".join(value.split())
