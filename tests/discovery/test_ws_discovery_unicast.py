"""Tests for unicast WS-Discovery against small UDP responders on loopback, answering with recorded replies."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from scanner.discovery.ws_discovery import MAX_REPLIES_PER_ADDRESS, probe_unicast
from scanner.errors import ProbeError

FIXTURES = Path(__file__).parent / "fixtures"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"

Probe = tuple[str, str]  # (MessageID, Types) of a received Probe
Answer = Callable[[Probe, int], list[bytes]]  # (probe, how many datagrams seen before) -> replies to send


def recorded(name: str, relates: str, epr: str | None = None) -> bytes:
    """A recorded device reply, re-addressed to one of our Probes (and optionally another endpoint)."""
    root = etree.fromstring((FIXTURES / name).read_bytes())
    root.find(f".//{{{WSA}}}RelatesTo").text = relates
    if epr is not None:
        root.find(f".//{{{WSA}}}EndpointReference/{{{WSA}}}Address").text = epr
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class Responder:
    """A UDP socket on one loopback address that answers each datagram as `answer` says, from `reply_from`."""

    def __init__(self, address: str, port: int, answer: Answer, reply_from: socket.socket | None = None) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((address, port))
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.answer = answer
        self.reply_from = reply_from or self.sock
        self.probes: list[Probe] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            root = etree.fromstring(data)
            probe = (root.findtext(f".//{{{WSA}}}MessageID"), root.findtext(f".//{{{WSD}}}Types") or "")
            seen = len(self.probes)
            self.probes.append(probe)
            for reply in self.answer(probe, seen):
                self.reply_from.sendto(reply, sender)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def responders() -> Iterator[Callable[..., Responder]]:
    started: list[Responder] = []
    port: list[int] = [0]  # every responder shares the first one's port: probe_unicast sends to one port

    def start(address: str, answer: Answer, reply_from: socket.socket | None = None) -> Responder:
        responder = Responder(address, port[0], answer, reply_from)
        port[0] = responder.port
        started.append(responder)
        return responder

    yield start
    for responder in started:
        responder.close()


def agsh(probe: Probe, seen: int) -> list[bytes]:
    return [recorded("wsd_agsh_probe_matches.xml", probe[0])]


def test_a_camera_answering_every_probe_is_found_once(responders: Callable[..., Responder]) -> None:
    camera = responders("127.66.2.1", agsh)
    found = probe_unicast(["127.66.2.1"], port=camera.port, timeout=0.4)
    assert list(found) == ["127.66.2.1"]
    (reply,) = found["127.66.2.1"]  # 4 identical answers, one endpoint
    assert reply.address == "127.66.2.1"
    assert reply.epr == "uuid:c9790c3a-701b-464d-a189-0060351c8ada"
    assert reply.types == ("dn:NetworkVideoTransmitter", "tds:Device")
    # Two Probe types, each sent once: the camera answered both before the repeat, so it is not asked again.
    assert sorted(types for _, types in camera.probes) == ["dn:NetworkVideoTransmitter", "tds:Device"]
    assert len({message_id for message_id, _ in camera.probes}) == 2


def test_a_probe_left_unanswered_is_sent_again_with_its_message_id(responders: Callable[..., Responder]) -> None:
    def device_only(probe: Probe, seen: int) -> list[bytes]:
        return [recorded("wsd_axis_m2036le.xml", probe[0])] if probe[1] == "tds:Device" else []

    camera = responders("127.66.2.3", device_only)
    assert "127.66.2.3" in probe_unicast(["127.66.2.3"], port=camera.port, timeout=0.4)
    # the NetworkVideoTransmitter Probe went twice (a retransmission keeps its MessageID, as SOAP-over-UDP asks)
    assert sorted(types for _, types in camera.probes) == ["dn:NetworkVideoTransmitter"] * 2 + ["tds:Device"]
    assert len({message_id for message_id, _ in camera.probes}) == 2


def test_the_wait_ends_once_every_address_answered_or_said_nothing_listens(
    responders: Callable[..., Responder],
) -> None:
    camera = responders("127.66.2.4", agsh)
    started = time.monotonic()
    found = probe_unicast(["127.66.2.4", "127.66.2.5"], port=camera.port, timeout=30.0)  # nothing on .5's port
    assert list(found) == ["127.66.2.4"]
    assert time.monotonic() - started < 10.0  # the kernel's ICMP port unreachable for .5 settled it at once


def test_a_camera_that_only_answers_tds_device_is_found(responders: Callable[..., Responder]) -> None:
    def device_only(probe: Probe, seen: int) -> list[bytes]:
        return [recorded("wsd_axis_m2036le.xml", probe[0])] if probe[1] == "tds:Device" else []

    camera = responders("127.66.2.2", device_only)
    found = probe_unicast(["127.66.2.2"], port=camera.port, timeout=0.4)
    assert found["127.66.2.2"][0].epr == "urn:uuid:e83a0086-3fdc-4d87-b8c4-83c0a16ad9f4"


def test_ipycam_style_reply_is_accepted(responders: Callable[..., Responder]) -> None:
    camera = responders("127.66.2.3", lambda probe, seen: [recorded("wsd_ipycam_probe_match.xml", probe[0])])
    found = probe_unicast(["127.66.2.3"], port=camera.port, timeout=0.4)
    assert found["127.66.2.3"][0].xaddrs == ("http://198.51.100.11:8080/onvif/device_service",)


def test_repeats_survive_lost_datagrams(responders: Callable[..., Responder]) -> None:
    # The first round of Probes is "lost": only the retransmission gets an answer.
    camera = responders("127.66.2.4", lambda probe, seen: agsh(probe, seen) if seen >= 2 else [])
    assert "127.66.2.4" in probe_unicast(["127.66.2.4"], port=camera.port, timeout=0.4, repeats=2)


def test_without_repeats_a_lost_datagram_means_nothing_found(responders: Callable[..., Responder]) -> None:
    camera = responders("127.66.2.5", lambda probe, seen: agsh(probe, seen) if seen >= 2 else [])
    assert probe_unicast(["127.66.2.5"], port=camera.port, timeout=0.4, repeats=1) == {}


def test_reply_to_someone_elses_probe_is_ignored(responders: Callable[..., Responder]) -> None:
    camera = responders("127.66.2.6", lambda probe, seen: [recorded("wsd_agsh_probe_matches.xml", "urn:uuid:x")])
    assert probe_unicast(["127.66.2.6"], port=camera.port, timeout=0.4) == {}
    assert camera.probes  # it did get our Probes


def test_reply_from_an_address_we_did_not_probe_is_ignored(responders: Callable[..., Responder]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stray:
        stray.bind(("127.66.2.99", 0))
        camera = responders("127.66.2.7", agsh, reply_from=stray)
        assert probe_unicast(["127.66.2.7"], port=camera.port, timeout=0.4) == {}
        assert camera.probes


def test_garbage_before_a_good_reply_does_not_hide_it(responders: Callable[..., Responder]) -> None:
    def noisy(probe: Probe, seen: int) -> list[bytes]:
        return [b"\x00not xml", b"<Envelope>", *agsh(probe, seen)]

    camera = responders("127.66.2.8", noisy)
    assert len(probe_unicast(["127.66.2.8"], port=camera.port, timeout=0.4)["127.66.2.8"]) == 1


def test_replies_per_address_are_capped(responders: Callable[..., Responder]) -> None:
    def flood(probe: Probe, seen: int) -> list[bytes]:
        return [recorded("wsd_agsh_probe_matches.xml", probe[0], epr=f"urn:uuid:{seen}-{n}") for n in range(20)]

    camera = responders("127.66.2.9", flood)
    assert len(probe_unicast(["127.66.2.9"], port=camera.port, timeout=0.4)["127.66.2.9"]) == MAX_REPLIES_PER_ADDRESS


def test_several_addresses_and_ipv6(responders: Callable[..., Responder]) -> None:
    first = responders("127.66.3.1", agsh)
    responders("::1", lambda probe, seen: [recorded("wsd_axis_m2036le.xml", probe[0])])
    responders("127.66.3.2", lambda probe, seen: [])  # it listens and says nothing
    started = time.monotonic()
    found = probe_unicast(["127.66.3.1", "127.66.3.2", "::1"], port=first.port, timeout=0.5)
    elapsed = time.monotonic() - started
    assert sorted(found) == ["127.66.3.1", "::1"]  # 127.66.3.2 stayed silent: absent, not empty
    assert found["::1"][0].address == "::1"
    assert 0.5 <= elapsed < 1.5  # listens `timeout` after the last send, not longer


def test_no_addresses_sends_nothing() -> None:
    assert probe_unicast([]) == {}


def test_probes_that_cannot_be_sent_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(self: socket.socket, data: bytes, *args: object) -> int:
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket.socket, "sendto", unreachable)
    with pytest.raises(ProbeError, match="Network is unreachable"):
        probe_unicast(["127.66.3.3"], port=9, timeout=0.1)


def test_bad_repeats_are_refused() -> None:
    with pytest.raises(ValueError):
        probe_unicast(["127.0.0.1"], repeats=0)
