"""What may be scanned: targets (addresses, CIDRs, ranges) expanded to addresses, refusing what is off limits.

Decisions:
- A CIDR yields its usable hosts, as `ipaddress` defines them: an IPv4 network of /30 or larger skips its
  network and broadcast addresses (a /24 gives 254 hosts), a /31 or /32 gives every address; an IPv6 network
  skips its Subnet-Router anycast address (the first) except for /127 and /128. nmap would scan all 256
  addresses of a /24; the two it adds are never a camera.
- A range (`a.b.c.d-e.f.g.h` or the last-octet form `127.0.0.1-20`) yields every address in it, both ends
  included: the user named them.
- A link-local IPv6 address needs its interface (fe80::1%eth0): without one it cannot be reached, so it is refused
  before any traffic.
- Without `allow_public` only private, loopback and link-local addresses pass; shared (CGNAT) and every
  global address is refused. Multicast, unspecified, "this network" (0.0.0.0/8), reserved (240.0.0.0/4) and
  broadcast addresses are always refused. An IPv4-mapped IPv6 address is judged (and returned) as IPv4.
- Host names are refused: resolving them would send DNS queries to an outside resolver.
- A scan of more than `max_hosts` addresses (65536, a /16) needs confirmation (`confirmed`, the CLI's --yes): a
  typo such as /8 for /24 must not start a week of traffic. Confirmed or not, HARD_MAX_HOSTS (a /12) is the most
  one scan takes. Sizes are checked before any address is expanded.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence

from scanner.errors import ScopeError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_HOSTNAME = re.compile(r"^(?=.*[A-Za-z_])[A-Za-z0-9_.-]+$")
_LAST_OCTET = re.compile(r"^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})-(\d{1,3})$")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
CONFIRM_ABOVE = 65536  # addresses: a /16; larger scans need confirmation
HARD_MAX_HOSTS = 1 << 20  # addresses: a /12, the most one scan takes even when confirmed


def expand_targets(
    targets: Sequence[str], allow_public: bool = False, max_hosts: int = CONFIRM_ABOVE, confirmed: bool = False
) -> tuple[str, ...]:
    """Every address the targets name, sorted (IPv4 first) and de-duplicated; ScopeError on any refusal.

    More than `max_hosts` addresses are refused unless `confirmed`; more than HARD_MAX_HOSTS always are.
    """
    if isinstance(targets, str):
        targets = [targets]  # a lone string would otherwise be split into characters
    limit = _Limit(max(max_hosts, HARD_MAX_HOSTS) if confirmed else max_hosts, confirmed)
    found: set[IPAddress] = set()
    for raw in targets:
        target = raw.strip()
        if not target:
            raise ScopeError("empty target: give an address, a CIDR (127.77.0.0/24) or a range (127.0.0.1-20)")
        for address in _addresses(target, limit):
            _check(target, address, allow_public)
            found.add(address)
        if len(found) > limit.hosts:
            raise limit.refuse(f"{target} (with the targets before it)", len(found))
    return tuple(str(a) for a in sorted(found, key=lambda a: (a.version, a)))


def covers(targets: Sequence[str], address: str) -> bool | None:
    """Whether one of the targets (address, CIDR or range, as a scan was given them) names `address`, without
    expanding any; None when the address or a target cannot be read (a report from elsewhere, say)."""
    try:
        wanted = _plain(ipaddress.ip_address(address))
        for raw in targets:
            target = raw.strip()
            if "/" in target:
                if wanted in ipaddress.ip_network(target, strict=False):
                    return True
            elif "-" in target and not _is_address(target):
                first, last = _range_ends(target)
                if first.version == wanted.version and int(first) <= int(wanted) <= int(last):
                    return True
            elif _address(target, target) == wanted:
                return True
    except (ValueError, ScopeError):
        return None
    return False


class _Limit:
    """How many addresses a scan may hold, and how a refusal says what to do about it."""

    def __init__(self, hosts: int, confirmed: bool) -> None:
        self.hosts, self.confirmed = hosts, confirmed

    def refuse(self, target: str, count: int) -> ScopeError:
        """The refusal of a target of `count` addresses (or that brings the scan to that many): --yes is offered
        only when it would help, never beyond HARD_MAX_HOSTS."""
        if count > HARD_MAX_HOSTS:
            return ScopeError(
                f"target {target} has {count} addresses; camaudit scans at most {HARD_MAX_HOSTS} (a /12) at once: "
                "name the networks of the premises, or scan them in parts"
            )
        limit = self.hosts
        if self.confirmed:
            return ScopeError(f"target {target} has {count} addresses, more than {limit}, the most camaudit scans")
        size = " (a /16)" if limit == CONFIRM_ABOVE else ""
        return ScopeError(
            f"target {target} has {count} addresses, more than {limit}{size}: pass --yes to scan that many"
        )


def _addresses(target: str, limit: _Limit) -> Iterator[IPAddress]:
    """The addresses of one target; refuses malformed targets and any single target above the limit."""
    if "/" in target:
        return _network_hosts(target, limit)
    if "-" in target and not _is_address(target):  # a zone id (fe80::1%br-lan) may hold a dash
        first, last = _range_ends(target)
        count = int(last) - int(first) + 1
        if count > limit.hosts:
            raise limit.refuse(target, count)
        return (type(first)(n) for n in range(int(first), int(last) + 1))
    return iter([_address(target, target)])


def _network_hosts(target: str, limit: _Limit) -> Iterator[IPAddress]:
    try:
        network: IPNetwork = ipaddress.ip_network(target, strict=False)
    except ValueError:
        if _HOSTNAME.match(target.partition("/")[0]):
            raise ScopeError(f"target {target} names a host: give an address (camaudit does no DNS)") from None
        raise ScopeError(f"target {target} is not a valid CIDR (example: 127.77.0.0/24)") from None
    if network.num_addresses > limit.hosts + 2:  # +2: hosts() drops network and broadcast
        raise limit.refuse(target, network.num_addresses)
    hosts = network.hosts() if network.num_addresses > 1 else iter([network.network_address])
    return (_plain(address) for address in hosts)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _range_ends(target: str) -> tuple[IPAddress, IPAddress]:
    short = _LAST_OCTET.match(target)
    if short:
        first_text, last_text = short.group(1) + short.group(2), short.group(1) + short.group(3)
    else:
        first_text, _, last_text = target.partition("-")
    first, last = _address(first_text.strip(), target), _address(last_text.strip(), target)
    if first.version != last.version:
        raise ScopeError(f"target {target} mixes IPv4 and IPv6")
    if last < first:  # type: ignore[operator]  # same version, checked above
        raise ScopeError(f"target {target} is a range that ends before it starts")
    return first, last


def _address(text: str, target: str) -> IPAddress:
    try:
        return _plain(ipaddress.ip_address(text))
    except ValueError:
        pass
    if _HOSTNAME.match(text):
        raise ScopeError(f"target {target} names a host: give an address (camaudit does no DNS)")
    raise ScopeError(
        f"target {target} is not an address, CIDR or range (examples: 127.0.0.5, "
        "127.77.0.0/24, 127.0.0.1-20, 127.0.0.1-127.0.1.9)"
    )


def _plain(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _check(target: str, address: IPAddress, allow_public: bool) -> None:
    reason = _never(address)
    if reason:
        raise ScopeError(f"target {target} includes {address}, {reason}: it cannot be scanned")
    if allow_public:
        return
    if address.is_global:
        what = f"the public address {address}"
    elif not (address.is_private or address.is_loopback or address.is_link_local):
        what = f"{address}, which is not a private, loopback or link-local address"
    else:
        return
    raise ScopeError(
        f"target {target} includes {what}: scan only your premises network, "
        "or pass --allow-public if you own the addresses"
    )


def _never(address: IPAddress) -> str | None:
    """Why an address can never be a scan target, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.is_link_local and not address.scope_id:
        return (
            "a link-local IPv6 address without its interface: write it with the interface that reaches it "
            "(fe80::1%eth0), or give the device's IPv4 address"
        )
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.version == 4 and address in _THIS_NETWORK:
        return "in 0.0.0.0/8 (this network)"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if address.version == 4 and address.is_reserved:
        return "a reserved address (240.0.0.0/4)"
    return None
