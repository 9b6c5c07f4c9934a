"""Merging what each discovery method saw: one host per address, in scope only, MAC and its vendor, links."""

from __future__ import annotations

from scanner.discovery.merge import Allowance, Sightings, linked, merge
from scanner.discovery.multicast import Found
from scanner.discovery.oui import parse_prefixes
from scanner.model import Host, WsdReply

OUI = parse_prefixes("44A642 Hangzhou Hikvision Digital Technology\n3CEF8C Zhejiang Dahua Technology\n")
SCOPE = frozenset(f"198.51.100.{n}" for n in range(1, 255)).__contains__
WSD = WsdReply("198.51.100.12", "urn:uuid:1", ("dn:NetworkVideoTransmitter",), (), ("http://198.51.100.12/onvif/d",))


def test_methods_merge_into_one_host_per_address():
    seen = Sightings(
        swept=[
            Host("198.51.100.11", (80, 554), discovered_by=("nmap",)),
            Host("198.51.100.12", (80,), discovered_by=("nmap",)),
        ],
        found=[
            Found(
                "sadp",
                "198.51.100.11",
                "44-a6-42-19-5b-19",
                (("model", "DS-2CD2143G2-I"), ("mac", "44-a6-42-19-5b-19")),
            ),
            Found("ws-discovery", "198.51.100.12", "urn:uuid:1", (("model", "IPC"),), WSD),
            Found("ssdp", "198.51.100.13", "uuid:x", (("location", "http://198.51.100.13:49152/d.xml"),)),
        ],
        neighbours={"198.51.100.11": "44:a6:42:19:5b:19", "198.51.100.12": "3c:ef:8c:5a:0e:13"},
    )
    hosts = {h.address: h for h in merge(seen, SCOPE, OUI)}
    assert sorted(hosts) == ["198.51.100.11", "198.51.100.12", "198.51.100.13"]
    hik = hosts["198.51.100.11"]
    assert hik.discovered_by == ("nmap", "sadp", "arp") and hik.open_ports == (80, 554)
    assert hik.mac == "44:a6:42:19:5b:19" and hik.mac_vendor == "Hangzhou Hikvision Digital Technology"
    assert dict(hik.facts[1].facts)["model"] == "DS-2CD2143G2-I"
    dahua = hosts["198.51.100.12"]
    assert dahua.wsd == (WSD,) and dahua.discovered_by == ("nmap", "ws-discovery", "arp")
    assert hosts["198.51.100.13"].open_ports == () and hosts["198.51.100.13"].discovered_by == ("ssdp",)


def test_the_segment_mac_wins_over_a_claimed_one():
    seen = Sightings(
        found=[Found("dhip", "198.51.100.12", "k", (("mac", "02:11:22:33:44:55"),))],
        neighbours={"198.51.100.12": "3c:ef:8c:5a:0e:13"},
    )
    (host,) = merge(seen, SCOPE, OUI)
    assert host.mac == "3c:ef:8c:5a:0e:13" and host.mac_vendor == "Zhejiang Dahua Technology"


def test_out_of_scope_replies_and_the_cap():
    found = [Found("sadp", f"198.51.100.{n}", str(n)) for n in range(20, 30)] + [Found("sadp", "10.0.0.5", "x")]
    hosts = merge(Sightings(found=found), SCOPE, OUI, cap=4)
    assert [h.address for h in hosts] == ["198.51.100.20", "198.51.100.21", "198.51.100.22", "198.51.100.23"]


def test_unicast_wsd_is_merged_like_multicast():
    seen = Sightings(
        swept=[Host("198.51.100.12", (80,), discovered_by=("connect",))], unicast_wsd={"198.51.100.12": [WSD]}
    )
    (host,) = merge(seen, SCOPE, OUI)
    assert host.discovered_by == ("connect", "ws-discovery") and host.wsd == (WSD,)


def test_neighbour_only_hosts_are_kept_only_for_known_vendors():
    seen = Sightings(neighbours={"198.51.100.40": "44:a6:42:00:00:01", "198.51.100.41": "02:00:00:00:00:09"})
    assert merge(seen, SCOPE, OUI) == ()
    (host,) = merge(seen, SCOPE, OUI, keep_mac_only=lambda vendor: bool(vendor and "Hikvision" in vendor))
    assert host.address == "198.51.100.40" and host.discovered_by == ("arp",)


def test_shared_serial_links_hosts_but_keeps_both():
    found = [Found("sadp", "198.51.100.11", "a", (("serial", "SERIAL123456"),)),
             Found("sadp", "198.51.100.99", "b", (("serial", "SERIAL123456"),))]  # fmt: skip
    hosts = merge(Sightings(found=found), SCOPE, OUI)
    assert [h.address for h in hosts] == ["198.51.100.11", "198.51.100.99"]
    assert hosts[0].facts[-1].method == "merge" and hosts[0].facts[-1].get("same_device_as") == "198.51.100.99"


def test_merging_block_by_block_gives_the_hosts_of_one_merge():
    # Discovery hands the audit each block's hosts as soon as the block is merged; they must be the hosts a merge of
    # everything at once gives: each method's answer joins its host by address, the cap is shared, links span blocks.
    swept = [Host(f"198.51.100.{n}", (80,), discovered_by=("nmap",)) for n in (3, 11, 130, 200)]
    found = [Found("sadp", "198.51.100.11", "a", (("serial", "SERIAL123456"),)),
             Found("ssdp", "198.51.100.20", "b", (("location", "http://198.51.100.20/d.xml"),)),
             Found("sadp", "198.51.100.140", "c", (("serial", "SERIAL123456"),)),
             Found("mdns", "198.51.100.150", "d", (("name", "cam"),)),
             Found("mdns", "198.51.100.160", "e", (("name", "cam2"),)),
             Found("sadp", "10.0.0.5", "x")]  # fmt: skip
    seen = Sightings(swept, found, {"198.51.100.200": [WSD]}, {"198.51.100.3": "3c:ef:8c:5a:0e:13",
                     "198.51.100.201": "44:a6:42:00:00:01"})  # fmt: skip
    known = lambda vendor: bool(vendor and "Hikvision" in vendor)  # noqa: E731
    whole = merge(seen, SCOPE, OUI, cap=2, keep_mac_only=known)
    allowance, blocks = Allowance(2), []
    for low, high in ((1, 128), (128, 255)):
        block = frozenset(f"198.51.100.{n}" for n in range(low, high)).__contains__
        part = Sightings([h for h in swept if block(h.address)], [f for f in found if block(f.address)],
                         seen.unicast_wsd, seen.neighbours)  # fmt: skip
        blocks += merge(part, block, OUI, cap=allowance, keep_mac_only=known, link=False)
    assert linked(blocks) == whole
    assert [h.address for h in whole] == ["198.51.100.3", "198.51.100.11", "198.51.100.20", "198.51.100.130",
                                          "198.51.100.140", "198.51.100.200", "198.51.100.201"]  # fmt: skip
    assert whole[1].facts[-1].get("same_device_as") == "198.51.100.140"  # across the blocks
    assert all(h.facts[-1].method != "merge" for h in blocks)  # links only once everything is merged
