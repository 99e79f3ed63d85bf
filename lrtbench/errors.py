"""The one exception type the command line turns into a one-line message and exit code 2."""

from __future__ import annotations


class LrtbenchError(Exception):
    """A problem with the user's input or files, explained in one line."""
