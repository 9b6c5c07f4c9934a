"""One device's use of the owner's login, shared by every probe of its audit (HTTP, ONVIF, RTSP, vendor sessions).

Cameras lock an account after a few refused logins (Hikvision after five or so), and one wrong password in the
credentials file must not lock the owner out of their own cameras. So the login is offered to a device until the
device refuses it once (a 401 after an answered challenge, an ONVIF NotAuthorized, a vendor's login error), and
never again after that; and until the device has accepted it once, by one exchange at a time, so that two
requests in flight cannot both be refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from scanner.errors import ProbeError
from scanner.model import Credential
from scanner.net.urls import printable
from scanner.vocabulary import Reason

NOT_OFFERED = "not sent: the device refused the login earlier, and it is not offered again (accounts lock)"


class DeviceLogin:
    """The owner's login for one device (None: no login for this address), and what the device made of it."""

    def __init__(self, credential: Credential | None) -> None:
        self.credential = credential
        self._one_at_a_time = threading.RLock()
        self._accepted = False
        self._refused: str | None = None
        self._basic_declined: str | None = None

    def __repr__(self) -> str:
        return f"DeviceLogin(accepted={self._accepted}, refused={self._refused is not None})"

    @property
    def refused(self) -> str | None:
        """Where the device refused the login (a request line), or None."""
        return self._refused

    @property
    def basic_declined(self) -> str | None:
        """Where the device asked for the password in clear (HTTP Basic without TLS) and did not get it, or None."""
        return self._basic_declined

    def allows_basic(self, tls: bool) -> bool:
        """Whether a Basic challenge may be answered: over TLS, or in clear when the entry says `allow_basic`."""
        return tls or (self.credential is not None and self.credential.allow_basic)

    @contextmanager
    def offer(self) -> Iterator[Credential | None]:
        """Around one exchange that may carry the login: yields the credential, or None when it must not be sent
        (none given, or refused before). Until the device has accepted it, one such exchange at a time.

        Take it before the device's pace (`with login.offer(): ... with pace:`), never inside, so that a line
        waiting for the login holds no request slot.
        """
        if self.credential is None or self._refused is not None:
            yield None
        elif self._accepted:
            yield self.credential
        else:
            with self._one_at_a_time:
                yield self.credential if self._refused is None else None  # refused while this one waited

    def require(self) -> Credential:
        """The credential for an exchange about to carry it; ProbeError (code LOGIN_REFUSED) once it was refused."""
        if self._refused is not None or self.credential is None:
            raise ProbeError(NOT_OFFERED, Reason.LOGIN_REFUSED)
        return self.credential

    def accept(self) -> None:
        """The device accepted the login (an answer other than a refusal to a request that carried it)."""
        self._accepted = True

    def refuse(self, where: str) -> None:
        """The device refused the login: it is never offered to this device again."""
        if self._refused is None:
            self._refused = printable(where, 160)

    def decline_basic(self, where: str) -> None:
        if self._basic_declined is None:
            self._basic_declined = printable(where, 160)
