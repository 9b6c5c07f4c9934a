"""ONVIF PullPoint subscriptions (events service): CreatePullPointSubscription, PullMessages, Unsubscribe.

Each subscription lives at `/onvif/Subscription?Idx=N` until unsubscribed or past its termination time. Its
first PullMessages delivers the persona's events (as an Initialized/Changed burst), later ones none; the lab
answers at once rather than holding the request for the Timeout, which ONVIF allows when nothing is pending.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET  # noqa: S405 - element type only
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from scanner.lab.onvif_context import EVENTS_NS, OnvifContext
from scanner.lab.personas import EventSpec
from scanner.lab.soap import SoapFault, find_text
from scanner.lab.xmlgen import NS, el

PATH = "/onvif/Subscription"
MAX_PULL_POINTS = 10  # as GetServiceCapabilities announces (MaxPullPoints)
DEFAULT_TERMINATION = 60  # seconds, when the client asks for none
MAX_TERMINATION = 3600
TOPIC_DIALECT = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
_DURATION = re.compile(r"^PT(?:(\d+)M)?(?:(\d+)S)?$")


@dataclass
class _Subscription:
    expires: float  # time.monotonic() deadline
    delivered: bool = False


@dataclass
class PullPoints:
    """The subscriptions of one device (the lab serves each device from one thread: no lock needed)."""

    active: dict[int, _Subscription] = field(default_factory=dict)
    created: int = 0

    def create(self, ctx: OnvifContext, request: ET.Element) -> etree._Element:
        self._expire()
        if len(self.active) >= MAX_PULL_POINTS:
            raise SoapFault("env:Receiver", ("ter:Action", "ter:TooManySubscriptions"), "Too many subscriptions", 500)
        seconds = _seconds(find_text(request, "InitialTerminationTime"))
        self.created += 1
        self.active[self.created] = _Subscription(time.monotonic() + seconds)
        now = ctx.now()
        reference = el("tev:SubscriptionReference", el("wsa:Address", ctx.xaddr(f"{PATH}?Idx={self.created}")))
        return el(
            "tev:CreatePullPointSubscriptionResponse",
            reference,
            el("wsnt:CurrentTime", _utc(now)),
            el("wsnt:TerminationTime", _utc(now + timedelta(seconds=seconds))),
        )

    def pull(self, ctx: OnvifContext, request: ET.Element, target: str) -> etree._Element:
        subscription = self._find(target)
        events = () if subscription.delivered else ctx.spec.events
        subscription.delivered = True
        now = ctx.now()
        return el(
            "tev:PullMessagesResponse",
            el("tev:CurrentTime", _utc(now)),
            el("tev:TerminationTime", _utc(now + timedelta(seconds=subscription.expires - time.monotonic()))),
            [_notification(event, now.strftime("%Y-%m-%dT%H:%M:%SZ")) for event in events],
        )

    def unsubscribe(self, ctx: OnvifContext, request: ET.Element, target: str) -> etree._Element:
        self._find(target)
        self.active.pop(_index(target), None)
        return el("wsnt:UnsubscribeResponse")

    def _find(self, target: str) -> _Subscription:
        self._expire()
        subscription = self.active.get(_index(target))
        if subscription is None:
            raise SoapFault("env:Receiver", ("wsrf-rw:ResourceUnknownFault",), "Unknown subscription", 400)
        return subscription

    def _expire(self) -> None:
        now = time.monotonic()
        for index in [i for i, s in self.active.items() if s.expires < now]:
            del self.active[index]


def _index(target: str) -> int:
    values = parse_qs(urlsplit(target).query).get("Idx", [""])
    return int(values[0]) if values[0].isdigit() else -1


def _seconds(duration: str) -> int:
    found = _DURATION.match(duration.strip())
    if not duration.strip() or found is None:
        return DEFAULT_TERMINATION
    minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return max(1, min(MAX_TERMINATION, minutes * 60 + seconds))


def _utc(when: object) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[attr-defined]


def _notification(event: EventSpec, utc: str) -> etree._Element:
    attributes = {"UtcTime": utc, "PropertyOperation": event.operation or None}
    items = [el("tt:SimpleItem", {"Name": n, "Value": v}) for n, v in event.data]
    source = [el("tt:SimpleItem", {"Name": n, "Value": v}) for n, v in event.source]
    message = el("tt:Message", attributes, el("tt:Source", source), el("tt:Data", items))
    return el(
        "wsnt:NotificationMessage",
        el("wsnt:Topic", {"Dialect": TOPIC_DIALECT}, event.topic),
        el("wsnt:Message", message),
    )


_E = "{" + EVENTS_NS + "}"
_N = "{" + NS["wsnt"] + "}"
CREATE = _E + "CreatePullPointSubscription"
TARGETED = {_E + "PullMessages": "pull", _N + "Unsubscribe": "unsubscribe"}  # operations on a subscription
