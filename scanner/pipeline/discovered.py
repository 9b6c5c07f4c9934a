"""What discovery revealed about a host, as observations the judgement reads like any answer."""

from __future__ import annotations

from scanner.model import OK, Host, Observation, WsdReply, utc_now


def wsd_observation(reply: WsdReply) -> Observation:
    lines = [f"EndpointReference: {reply.epr}", "Types: " + " ".join(reply.types)]
    lines += ["Scopes: " + " ".join(reply.scopes), "XAddrs: " + " ".join(reply.xaddrs)]
    return Observation(
        probe="wsd.probe_match",
        request=f"WS-Discovery Probe to udp://{reply.address}:3702",
        outcome=OK,
        body="\n".join(lines).encode(),
        at=utc_now(),
        values=(("types", reply.types), ("scopes", reply.scopes), ("xaddrs", reply.xaddrs)),
    )


def discovery_observation(host: Host) -> tuple[Observation, ...]:
    """What discovery revealed that face rules may read (models, MAC and its vendor), as one observation."""
    models = list(dict.fromkeys(v for fact in host.facts for k, v in fact.facts if k == "model" and v))
    values: list[tuple[str, tuple[str, ...]]] = [("model", tuple(models))]
    values += [("mac", (host.mac,) if host.mac else ()), ("mac_vendor", (host.mac_vendor,) if host.mac_vendor else ())]
    if not any(items for _, items in values):
        return ()
    methods = ", ".join(host.discovered_by) or "discovery"
    return (
        Observation(
            probe="discovery.facts",
            request=f"facts discovery revealed about {host.address} ({methods}; MAC vendor from nmap-mac-prefixes)",
            outcome=OK,
            body="\n".join(f"{k}: {' '.join(items)}" for k, items in values if items).encode(),
            at=utc_now(),
            values=tuple((k, items) for k, items in values if items),
        ),
    )
