"""Errors a page or the command line may show to the user (messages in Russian)."""

from __future__ import annotations


class RsnmsError(Exception):
    """Base class for errors whose message is meant for the user."""
