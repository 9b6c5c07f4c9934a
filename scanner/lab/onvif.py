"""One device's ONVIF endpoint: SOAP 1.2 in, access control per ONVIF Core, dispatch on the Body's first child."""

from __future__ import annotations

from collections.abc import Callable

from scanner.errors import ParseError
from scanner.lab import onvif_analytics, onvif_device, onvif_events, onvif_media, onvif_pullpoint
from scanner.lab.auth import Authenticator
from scanner.lab.httpd import Request, Response
from scanner.lab.onvif_context import OnvifContext
from scanner.lab.soap import (
    SoapFault,
    UsernameToken,
    action_not_supported,
    envelope,
    fault_envelope,
    not_authorized,
    parse_request,
)
from scanner.lab.wsse import token_valid

SOAP_TYPE = "application/soap+xml; charset=utf-8"
Operation = Callable[..., object]
Unauthorized = Callable[[tuple[str, ...]], Response]  # WWW-Authenticate values -> the vendor's 401 page


class OnvifEndpoint:
    """Serves the persona's device/media/events(/analytics) paths on its HTTP listener."""

    def __init__(self, ctx: OnvifContext, http_auth: Authenticator | None, unauthorized: Unauthorized) -> None:
        self.ctx, self.unauthorized = ctx, unauthorized
        # Only devices that accept HTTP Digest answer 401; token-only devices answer a NotAuthorized fault.
        self.http_auth = http_auth if ctx.spec.auth == "digest" else None
        modules = [onvif_device, onvif_media, onvif_events]
        if ctx.spec.analytics_path:
            modules.append(onvif_analytics)
        self.operations: dict[str, Operation] = {}
        self.pre_auth: set[str] = set()
        for module in modules:
            self.operations.update(module.OPERATIONS)
            self.pre_auth |= module.PRE_AUTH
        self.pullpoints = onvif_pullpoint.PullPoints()
        self.operations[onvif_pullpoint.CREATE] = self.pullpoints.create
        self.targeted = {name: getattr(self.pullpoints, method) for name, method in onvif_pullpoint.TARGETED.items()}

    def paths(self) -> set[str]:
        return self.ctx.paths() | {onvif_pullpoint.PATH}

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, b"", None, (("Allow", "POST"),))
        try:
            soap = parse_request(request.body)
        except ParseError:
            return _fault(SoapFault("env:Sender", ("ter:WellFormed",), "Well-formed Error", 400))
        if soap.version != "1.2":
            return _fault(SoapFault("env:VersionMismatch", (), "SOAP version mismatch: ONVIF uses SOAP 1.2", 500))
        operation = self._operation(soap.operation, request)
        if operation is None:
            return _fault(action_not_supported())
        if soap.operation not in self.pre_auth:
            refusal = self._refusal(request, soap.token)
            if refusal is not None:
                return refusal
        try:
            payload = operation(self.ctx, soap.body)
        except SoapFault as fault:
            return _fault(fault)
        return Response(200, envelope(payload), SOAP_TYPE)

    def _operation(self, name: str, request: Request) -> Operation | None:
        """The handler of an operation; PullMessages and Unsubscribe act on the subscription the URL names."""
        targeted = self.targeted.get(name)
        if targeted is not None and request.path == onvif_pullpoint.PATH:
            return lambda ctx, body: targeted(ctx, body, request.target)
        return self.operations.get(name)

    def _refusal(self, request: Request, token: UsernameToken | None) -> Response | None:
        """None when the request is authenticated by HTTP Digest or a valid UsernameToken, else the refusal."""
        spec, persona = self.ctx.spec, self.ctx.persona
        if self.http_auth and self.http_auth.check(request.header("Authorization"), request.method, request.target):
            return None
        if token is not None:
            if token_valid(token, persona.username, persona.password, self.ctx.now(), spec.token_window):
                return None
            return _fault(not_authorized())
        if self.http_auth:
            return self.unauthorized(tuple(self.http_auth.challenges()))
        return _fault(not_authorized())


def _fault(fault: SoapFault) -> Response:
    return Response(fault.status, fault_envelope(fault), SOAP_TYPE)
