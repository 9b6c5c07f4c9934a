"""A recorded device's WS-Discovery answer: the ProbeMatch it gave (types, scopes, endpoint), its XAddrs pointed at
the replay device, sent to whoever probes its UDP 3702 (the lab's responder, scanner/lab/wsd)."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from scanner.lab.wsd import WsdResponder
from scanner.lab.xmlgen import el
from scanner.model import WsdReply
from scanner.replay.pointing import Pointer


class ReplayWsd(WsdResponder):
    """Answers a Probe with one ProbeMatch per recorded reply (a device may have announced several endpoints)."""

    def __init__(self, replies: Sequence[WsdReply], pointer: Pointer) -> None:
        first = replies[0]
        super().__init__(first.epr, first.scopes, " ".join(first.xaddrs))
        self.replies = tuple(replies)
        self.pointer = pointer

    def matches(self) -> list[etree._Element]:
        """One ProbeMatch per recorded reply, its XAddrs pointed at the replay."""
        return [
            el(
                "d:ProbeMatch",
                el("wsadis:EndpointReference", el("wsadis:Address", reply.epr)),
                el("d:Types", " ".join(reply.types)),
                el("d:Scopes", " ".join(reply.scopes)),
                el("d:XAddrs", " ".join(self.pointer.text(x) for x in reply.xaddrs)),
                el("d:MetadataVersion", 1),
            )
            for reply in self.replies
        ]
