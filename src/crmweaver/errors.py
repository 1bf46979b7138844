"""The one error boundary. A mistake the user can fix (a missing file, a bad option, an endpoint
that is down) raises a `CrmweaverError` whose message is one sentence naming the fix; the CLI
converts it once, where it starts, into that sentence and exit status 1. Anything else is a bug
and keeps its traceback. This module imports nothing, so every layer may use it.
"""

from __future__ import annotations


class CrmweaverError(Exception):
    """A user-facing error: its message is one sentence that names the fix."""


class ConfigError(CrmweaverError, ValueError):
    """A bad option or setting; still a ValueError, for callers that validate with ValueError."""
