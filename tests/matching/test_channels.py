"""A device's channel list read from its answer (`[[channels]]`): xml, json and kv items, and the `require` filter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.matching.channels import default_channels, read_channels
from scanner.matching.loader import load_signatures
from scanner.matching.schema import ChannelSource
from scanner.matching.templates import drop_lines
from scanner.model import AUTH_REQUIRED, OK, Channel, Observation
from tests.matching.test_loader import error_of, valid

# Constructed in the key=value shape of a Dahua recorder's RemoteDevice table (docs/evidence-standard.md): slots 0 and
# 2 in use, slot 1 unused (Enable=false, the placeholder address), slot 10 listed after slot 2 although it sorts
# before it as text.
REMOTE = b"""table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.Address=192.168.1.108\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.DeviceType=IPC-HFW5442E-ZE\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.Enable=true\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.Name=Gate\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.SerialNo=7G0A1B2PAZ3C4D5\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.Vendor=Private\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_1.Address=192.168.0.0\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_1.Enable=false\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_10.Address=192.168.1.120\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_10.Enable=true\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_2.Address=192.168.1.109\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_2.DeviceType=DS-2CD1143G0-I\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_2.Enable=true\r
table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_2.Vendor=Onvif\r
"""
KV = ChannelSource(
    id="acme.channels.kv",
    vendor="Acme",
    probe="acme.remote",
    item=r"kv:(table\.)?RemoteDevice\.(uuid:)?System_CONFIG_NETCAMERA_INFO_(?P<slot>\d+)",
    channel="slot",
    name="Name",
    address="Address",
    model="DeviceType",
    serial="SerialNo",
    maker="Vendor",
    default=("0",),
    require=(("Enable", "(?i)^true$"),),
)
XML = ChannelSource(
    id="acme.channels.xml",
    vendor="Acme",
    probe="acme.list",
    item="xml://InputProxyChannel",
    channel="id",
    address="sourceInputPortDescriptor/ipAddress",
    require=(("enableAnr", "^(?!true$)"),),
)
JSON = ChannelSource(
    id="acme.channels.json",
    vendor="Acme",
    probe="acme.status",
    item="json:[0].value.status[*]",
    channel="channel",
    name="name",
)


def answer(probe: str, body: bytes, outcome: str = OK) -> Observation:
    return Observation(probe, f"GET /{probe}", outcome, status=200, body=body)


def test_kv_slots_become_channels_in_slot_order_and_unused_slots_are_left_out() -> None:
    listed = read_channels([answer("acme.remote", REMOTE)], KV)
    assert listed == (
        Channel("0", name="Gate", address="192.168.1.108", model="IPC-HFW5442E-ZE", serial="7G0A1B2PAZ3C4D5",
                maker="Private"),
        Channel("2", address="192.168.1.109", model="DS-2CD1143G0-I", maker="Onvif"),
        Channel("10", address="192.168.1.120"),
    )  # fmt: skip


def test_kv_keys_of_other_tables_and_lines_without_a_slot_are_ignored() -> None:
    body = b"table.RemoteDevice.Count=3\r\ntable.ChannelTitle[0].Name=Gate\r\nError\r\n"
    assert read_channels([answer("acme.remote", body)], KV) == ()


def test_no_ok_answer_means_no_list_and_a_camera_has_the_default_channels() -> None:
    assert read_channels([answer("acme.remote", REMOTE, AUTH_REQUIRED)], KV) is None
    assert read_channels([answer("other.probe", REMOTE)], KV) is None
    assert default_channels(KV) == (Channel("0"),)


def test_require_filters_xml_items_too() -> None:
    body = (
        b"<InputProxyChannelList><InputProxyChannel><id>1</id><enableAnr>false</enableAnr>"
        b"<sourceInputPortDescriptor><ipAddress>10.0.0.5</ipAddress></sourceInputPortDescriptor></InputProxyChannel>"
        b"<InputProxyChannel><id>2</id><enableAnr>true</enableAnr></InputProxyChannel></InputProxyChannelList>"
    )
    assert read_channels([answer("acme.list", body)], XML) == (Channel("1", address="10.0.0.5"),)


def test_json_items_keep_their_listed_order_and_skip_items_without_a_channel() -> None:
    body = b'[{"value": {"status": [{"channel": 9, "name": "Porch"}, {"name": "none"}, {"channel": 1}]}}]'
    assert read_channels([answer("acme.status", body)], JSON) == (Channel("9", name="Porch"), Channel("1"))


CHANNELS = """
[[channels]]
id = "acme.channels.remote"
probe = "acme.caps"
item = 'kv:RemoteDevice\\.INFO_(?P<slot>\\d+)'
channel = "{channel}"
address = "Address"
require = {{ Enable = "(?i)^true$" }}
default = ["0"]
sources = ["https://example.org/acme-api"]
"""


def test_a_kv_channel_table_loads_with_its_require_filter(tmp_path: Path) -> None:
    sigset = load_signatures(valid(tmp_path, extra={"remote.toml": "schema = 1\nvendor = 'Acme'\n"
                                                     + CHANNELS.format(channel="slot")}))  # fmt: skip
    (source,) = sigset.channels
    assert source.require == (("Enable", "(?i)^true$"),) and source.default == ("0",)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (CHANNELS.format(channel="number"), r"named group \(\?P<number>"),
        (CHANNELS.format(channel="slot").replace('address = "Address"', 'address = "A/B"'), "not a key component"),
        (CHANNELS.format(channel="slot").replace("item = 'kv:", "item = 'csv:"), "must start with xml:, json: or kv:"),
    ],
)
def test_a_bad_kv_channel_table_is_refused_in_one_line(tmp_path: Path, table: str, message: str) -> None:
    error = error_of(valid(tmp_path, extra={"remote.toml": "schema = 1\nvendor = 'Acme'\n" + table}))
    assert re.search(message, error) and "channels[0]" in error


def test_the_shipped_dahua_remote_device_request_drops_camera_logins_and_lists_enabled_slots() -> None:
    sigset = load_signatures()
    spec = next(r for r in sigset.requests if r.id == "dahua.cgi.remote_device")
    body = (Path(__file__).parents[2] / "signatures/cases/dahua/remote-device-nvr.txt").read_bytes()
    kept = drop_lines(answer("dahua.cgi.remote_device", body), spec.drop)
    assert b"case-camera-secret" not in kept.body and b".UserName=" not in kept.body and b".Password=" not in kept.body
    assert "6 line(s) holding secrets were dropped" in kept.detail
    (source,) = [c for c in sigset.channels if c.vendor == "Dahua"]
    listed = read_channels([kept], source)
    assert listed is not None and [(c.id, c.address, c.model) for c in listed] == [
        ("0", "192.168.2.13", "IPC-HDW1025C"),
        ("2", "192.168.252.25", "DS-2CD1143G0-I"),
    ]
