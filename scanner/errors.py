"""The project's error hierarchy: one root, a few children, each a one-line message for the user."""

from __future__ import annotations

from scanner.vocabulary import Reason


class CamauditError(Exception):
    """Root of every error camaudit raises on purpose."""


class UsageError(CamauditError):
    """A bad argument, target or input file (exit code 2)."""


class ScopeError(UsageError):
    """A target that may not be scanned (public address without --allow-public, malformed range)."""


class CredentialsError(UsageError):
    """A credentials file that cannot be read or is malformed."""


class SignatureError(CamauditError):
    """A signature file that does not load or whose cases fail."""


class ParseError(CamauditError):
    """Bytes from the network that cannot be parsed into a record (devices are hostile input)."""


class ProbeError(CamauditError):
    """A probe that could not complete (timeout, refused, protocol error); recorded, never fatal.

    `cause` is set when the scan's own limits stopped it (the device's budget, the stage's, a Ctrl-C)."""

    def __init__(self, message: str, cause: Reason | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class LabError(CamauditError):
    """The emulated premises could not start (address or port in use, missing permission)."""
