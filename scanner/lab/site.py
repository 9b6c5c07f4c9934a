"""What the emulated vendor web servers share: the headers every answer carries and the wording of a 401."""

from __future__ import annotations

from collections import deque

from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Response, http_date
from scanner.lab.personas import Persona


class VendorSite:
    """Base of a vendor web server: subclasses set `unauthorized_page` and may override `_headers`."""

    unauthorized_page = b"<html><head><title>401 Unauthorized</title></head><body>401 Unauthorized</body></html>\n"

    def __init__(self, persona: Persona, auth: Authenticator) -> None:
        assert persona.web is not None
        self.persona = persona
        self.server = persona.web.server
        self.auth = auth
        # The latest requests' methods and targets, as received (tests read them: no writes, no "test" buttons).
        self.asked: deque[str] = deque(maxlen=4096)

    def _headers(self, extra: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, str], ...]:
        return (("Date", http_date()),) + ((("Server", self.server),) if self.server else ()) + extra

    def unauthorized(self, challenges: tuple[str, ...]) -> Response:
        """A 401 in this vendor's words, with one WWW-Authenticate per challenge."""
        headers = self._headers(tuple(("WWW-Authenticate", c) for c in challenges))
        return Response(401, self.unauthorized_page, "text/html", headers)
