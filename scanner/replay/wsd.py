"""A recorded device's WS-Discovery answer: the ProbeMatch it gave (types, scopes, endpoint), its XAddrs pointed at
the replay device, sent to whoever probes its UDP 3702 (the lab's responder, scanner/lab/wsd)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from scanner.lab.wsd import ANONYMOUS, MATCHES_ACTION, Probe, WsdResponder
from scanner.lab.xmlgen import document, el
from scanner.model import WsdReply
from scanner.replay.pointing import Pointer


class ReplayWsd(WsdResponder):
    """Answers a Probe with one ProbeMatch per recorded reply (a device may have announced several endpoints)."""

    def __init__(self, replies: Sequence[WsdReply], pointer: Pointer) -> None:
        first = replies[0]
        super().__init__(first.epr, first.scopes, " ".join(first.xaddrs))
        self.replies = tuple(replies)
        self.pointer = pointer

    def probe_matches(self, probe: Probe) -> bytes:
        header = el(
            "env:Header",
            el("wsadis:MessageID", f"uuid:{uuid.uuid4()}"),
            el("wsadis:RelatesTo", probe.message_id),
            el("wsadis:To", ANONYMOUS),
            el("wsadis:Action", MATCHES_ACTION),
            el("d:AppSequence", {"InstanceId": self.instance, "MessageNumber": next(self.numbers)}),
        )
        matches = [
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
        body = el("env:Body", el("d:ProbeMatches", *matches))
        return document("env:Envelope", ("env", "wsadis", "d", "dn", "tds"), header, body)
