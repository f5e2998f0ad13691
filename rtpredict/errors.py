"""Exceptions that carry a message meant for the user: what is wrong, where, and how to fix it."""

from __future__ import annotations


class RtpredictError(Exception):
    """Base class of rtpredict's user-facing errors; the CLI prints them without a traceback."""


class InputError(RtpredictError, ValueError):
    """Bad input data or configuration: the message names the file, line and field at fault."""
