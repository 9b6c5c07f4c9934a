"""Where recorded devices are served (host numbers, ports), which recorded answer a request gets, and how recorded
URLs are pointed at the replay device: pure, no network."""

from __future__ import annotations

import pytest

from scanner.errors import LabError
from scanner.replay.matching import AskLogin, Served, same_body, same_target
from scanner.replay.plan import place, served_ports
from scanner.replay.pointing import Pointer
from scanner.replay.records import Exchange, RecordedDevice, operation_name


def _device(name: str, address: str | None, ports: tuple[int, ...] = (80,)) -> RecordedDevice:
    return RecordedDevice(name, address, ports, ())


def test_a_device_keeps_its_host_number_and_collisions_move_to_the_next_free_one():
    devices = [
        _device("a", "10.1.2.37"),
        _device("b", "10.1.3.37"),  # the same host number on a /24
        _device("c", None),  # no recorded address: from .11
        _device("d", "192.168.7.0"),  # the network address of the replay /24: not a host
        _device("e", "fe80::25"),
    ]
    placed = {p.device.name: p.address for p in place(devices, "127.77.204.0/24", standard=True)}
    assert placed == {
        "a": "127.77.204.37",
        "b": "127.77.204.38",
        "c": "127.77.204.11",
        "d": "127.77.204.1",
        "e": "127.77.204.39",  # fe80::25 is host 0x25 = 37, taken twice already
    }


def test_a_wider_network_keeps_more_of_the_address():
    placed = place([_device("a", "10.1.2.37")], "127.78.0.0/16", standard=True)
    assert placed[0].address == "127.78.2.37"


def test_the_replay_only_listens_on_loopback_and_refuses_a_network_too_small():
    with pytest.raises(LabError, match="loopback"):
        place([_device("a", None)], "10.0.0.0/24", standard=True)
    with pytest.raises(LabError, match="too small"):
        place([_device(str(n), None) for n in range(3)], "127.77.204.0/31", standard=True)


def test_ports_are_kept_as_root_and_moved_to_the_lab_high_ports_otherwise():
    camera = _device("cam", None, (80, 554, 443))
    assert served_ports(camera, standard=True) == {80: 80, 554: 554, 443: 443}
    assert served_ports(camera, standard=False) == {80: 8080, 554: 8554, 443: 8443}


def test_without_root_the_first_web_port_stays_first():
    # a scan asks a device's vendor API on its first web port: 80 must stay before the ONVIF port 8000
    reolink = _device("reolink", None, (80, 554, 8000))
    assert served_ports(reolink, standard=False) == {80: 2020, 554: 8554, 8000: 8000}
    both = _device("both", None, (80, 8080))
    assert served_ports(both, standard=False) == {80: 2020, 8080: 8080}
    rtsp_twice = _device("rtsp", None, (554, 8554))
    with pytest.raises(LabError, match="run as root"):
        served_ports(rtsp_twice, standard=False)


def test_urls_naming_the_recorded_address_are_pointed_at_the_replay_device():
    pointer = Pointer("192.168.1.123", "127.77.204.40", {80: 8080, 554: 8554})
    recorded = (
        b"<tt:XAddr>http://192.168.1.123/onvif/device_service</tt:XAddr>"
        b"<tt:Uri>rtsp://192.168.1.123:554/cam/realmonitor?channel=1&amp;subtype=1</tt:Uri>"
        b"<a>http://192.168.1.1234/other</a><b>http://192.168.1.12/other</b><c>192.168.1.123</c>"
    )
    assert pointer.body(recorded) == (
        b"<tt:XAddr>http://127.77.204.40:8080/onvif/device_service</tt:XAddr>"
        b"<tt:Uri>rtsp://127.77.204.40:8554/cam/realmonitor?channel=1&amp;subtype=1</tt:Uri>"
        b"<a>http://192.168.1.1234/other</a><b>http://192.168.1.12/other</b><c>192.168.1.123</c>"
    )
    same_ports = Pointer("10.0.0.5", "127.77.204.5", {80: 80})
    assert same_ports.text("http://10.0.0.5/doc/page/login.asp") == "http://127.77.204.5/doc/page/login.asp"
    assert Pointer(None, "127.77.204.5", {}).body(recorded) == recorded


def test_requests_match_by_decoded_query_and_body_as_data():
    recorded = Exchange("http", "POST", "/cgi-bin/api.cgi?cmd=GetAiState&token=<session>", 80, 200,
                        body=b'[{"cmd": "GetAiState", "action": 0, "param": {"channel": 0}}]')  # fmt: skip
    assert same_target(recorded, "/cgi-bin/api.cgi", "token=%3Csession%3E&cmd=GetAiState")
    assert not same_target(recorded, "/cgi-bin/api.cgi", "cmd=GetAiCfg&token=%3Csession%3E")
    assert same_body(recorded.body, b'[{"cmd":"GetAiState","action":0,"param":{"channel":0}}]')
    assert not same_body(recorded.body, b'[{"cmd":"GetAiState","action":0,"param":{"channel":1}}]')
    assert same_body(b"action=list&group=root.Brand", b"group=root.Brand&action=list")
    assert same_body(b"", b'{"anything": "the login body was not kept"}')
    assert not same_body(b"<a/>", b"<b/>")
    assert operation_name("http://www.onvif.org/ver10/device/wsdl/GetCapabilities") == "GetCapabilities"
    assert operation_name("{http://www.onvif.org/ver10/device/wsdl}GetCapabilities") == "GetCapabilities"


def test_answers_come_in_recorded_order_and_a_login_is_asked_where_the_original_needed_one():
    refused = Exchange("http", "POST", "/login", 80, 200, answer=b"refused")
    accepted = Exchange("http", "POST", "/login", 80, 200, answer=b"accepted")
    served = Served()
    candidates = [(0, refused), (1, accepted)]
    answers = [served.choose(candidates, lambda _: False) for _ in range(3)]
    assert answers == [refused, accepted, accepted]  # the last recorded answer is repeated
    challenge = Exchange("http", "GET", "/ISAPI/System/status", 80, 401, answer=b"401")
    status = Exchange("http", "GET", "/ISAPI/System/status", 80, 200, answer=b"status", login="digest", realm="r")
    pair = [(0, challenge), (1, status)]
    assert Served().choose(pair, lambda _: False) == challenge  # no login: the recorded 401
    assert Served().choose(pair, lambda _: True) == status  # any login: the answer that needed one
    assert Served().choose([(1, status)], lambda _: False) == AskLogin(status)
