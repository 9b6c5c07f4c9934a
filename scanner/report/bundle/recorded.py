"""What a bundle records of each device beyond its report: the judgement's inputs (`device.json`) and each
exchange (`NNN-<probe>.txt`), written so they can be read back into the records (`camaudit rejudge`, replay)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from scanner import TOOL_NAME
from scanner.model import (
    AuditInputs,
    Channel,
    DiscoveryFact,
    Host,
    NotChecked,
    Observation,
    Sent,
    Service,
    WsdReply,
)
from scanner.net.redact import redact, redact_bytes, redact_header
from scanner.vocabulary import Outcome, Reason

DEVICE_FILE = "device.json"
BODY_MARK = b"\n--- body ---\n"


# ---- the judgement's inputs


def inputs_to_dict(inputs: AuditInputs, files: Sequence[str]) -> dict[str, Any]:
    """device.json: what discovery knew, what the probes skipped, and the observation files in order."""
    host = inputs.host
    return {
        "host": {
            "address": host.address,
            "open_ports": list(host.open_ports),
            "mac": host.mac,
            "mac_vendor": host.mac_vendor,
            "discovered_by": list(host.discovered_by),
            "wsd": [
                {
                    "address": r.address,
                    "epr": r.epr,
                    "types": list(r.types),
                    "scopes": list(r.scopes),
                    "xaddrs": list(r.xaddrs),
                }
                for r in host.wsd
            ],  # fmt: skip
            "facts": [{"method": f.method, "facts": [list(pair) for pair in f.facts]} for f in host.facts],
        },
        "skipped": [{"check": n.check, "code": n.reason.value, "detail": n.detail} for n in inputs.skipped],
        "absent": list(inputs.absent),
        "has_credential": inputs.has_credential,
        "services": [{"port": s.port, "protocol": s.protocol} for s in inputs.services],
        "channels": [
            {"id": c.id, "name": c.name, "address": c.address, "model": c.model, "serial": c.serial, "maker": c.maker}
            for c in inputs.channels
        ],
        "observations": list(files),
    }


def inputs_from_dict(data: Mapping[str, Any]) -> tuple[AuditInputs, tuple[str, ...]]:
    """The inputs and the observation file names of a device.json (KeyError, TypeError, ValueError if malformed)."""
    raw = data["host"]
    host = Host(
        address=str(raw["address"]),
        open_ports=tuple(int(p) for p in raw.get("open_ports") or ()),
        mac=_text(raw.get("mac")),
        discovered_by=tuple(str(m) for m in raw.get("discovered_by") or ()),
        wsd=tuple(
            WsdReply(
                str(r["address"]),
                str(r["epr"]),
                *(tuple(str(v) for v in r[k] or ()) for k in ("types", "scopes", "xaddrs")),
            )
            for r in raw.get("wsd") or ()
        ),  # fmt: skip
        mac_vendor=_text(raw.get("mac_vendor")),
        facts=tuple(
            DiscoveryFact(str(f["method"]), tuple((str(k), str(v)) for k, v in f["facts"]))
            for f in raw.get("facts") or ()
        ),  # fmt: skip
    )
    inputs = AuditInputs(
        host=host,
        skipped=tuple(
            NotChecked(str(n["check"]), Reason(n["code"]), str(n.get("detail") or "")) for n in data["skipped"]
        ),
        absent=tuple(str(c) for c in data.get("absent") or ()),
        has_credential=bool(data.get("has_credential")),
        services=tuple(Service(int(s["port"]), str(s["protocol"])) for s in data.get("services") or ()),
        channels=tuple(
            Channel(str(c["id"]), *(_text(c.get(k)) for k in ("name", "address", "model", "serial", "maker")))
            for c in data.get("channels") or ()
        ),  # fmt: skip
    )
    return inputs, tuple(str(name) for name in data.get("observations") or ())


def _wsd(raw: Mapping[str, Any]) -> WsdReply:
    lists = (tuple(str(v) for v in raw[key] or ()) for key in ("types", "scopes", "xaddrs"))
    return WsdReply(str(raw["address"]), str(raw["epr"]), *lists)


def _fact(raw: Mapping[str, Any]) -> DiscoveryFact:
    return DiscoveryFact(str(raw["method"]), tuple((str(k), str(v)) for k, v in raw["facts"]))


def _note(raw: Mapping[str, Any]) -> NotChecked:
    return NotChecked(str(raw["check"]), Reason(raw["code"]), str(raw.get("detail") or ""))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


# ---- one exchange


def observation_file(address: str, obs: Observation, secrets: Sequence[str] = ()) -> tuple[bytes, bool]:
    """One exchange as a file: the request (as sent, credential-free), outcome, status, what was derived, the
    headers, then the raw body; and whether the body changed. One line per field, so a device's text cannot
    forge another field."""
    body = redact_bytes(obs.body, secrets)
    sent = obs.sent
    lines = [
        f"{TOOL_NAME} observation",
        f"device: {address}",
        f"probe: {obs.probe}",
        f"request: {obs.request}",
        f"at: {obs.at}",
        f"outcome: {obs.outcome}",
        f"status: {'' if obs.status is None else obs.status}",
        f"detail: {obs.detail}",
        f"channel: {obs.channel or ''}",
        f"stopped: {obs.stopped.value if obs.stopped else ''}",
        f"truncated: {'yes' if obs.truncated else 'no'}",
        f"body-bytes-received: {len(obs.body)}",
        f"body-sha256-received: {obs.sha256}",
        f"body-redacted: {'yes' if body != obs.body else 'no'}",
    ]
    if sent is not None:
        encoded = base64.b64encode(redact_bytes(sent.body, secrets)).decode("ascii")
        lines += [f"sent-protocol: {sent.protocol}", f"sent-method: {sent.method}", f"sent-url: {sent.url}",
                  f"sent-action: {sent.action}", f"sent-body-base64: {encoded}", f"sent-login: {sent.login}",
                  f"sent-realm: {sent.realm}"]  # fmt: skip
    lines += [f"value.{name}: {' | '.join(items)}" for name, items in obs.values]
    lines.append("values-json: " + json.dumps({name: list(items) for name, items in obs.values}, ensure_ascii=False))
    lines += ["", "--- headers ---"]
    lines += [f"{k}: {redact_header(k, v)}" for k, v in obs.headers]
    lines += ["", "--- body ---", ""]
    head = "\n".join(_one_line(redact(line, secrets)) for line in lines)
    return head.encode("utf-8") + body, body != obs.body


def _one_line(text: str) -> str:
    # A device's header value must not be able to forge another line of the file.
    return text.replace("\r", "\\r").replace("\n", "\\n") if text else text


def read_observation(data: bytes) -> Observation:
    """An observation file back into the record (ValueError when it is not one). The body is what the bundle
    keeps: the answer as received, with any credential it echoed redacted."""
    head, mark, body = data.partition(BODY_MARK)
    if not mark:
        raise ValueError("no body section")
    text, _, header_block = head.decode("utf-8").partition("\n--- headers ---")
    fields: dict[str, str] = {}
    for line in text.split("\n")[1:]:
        name, colon, value = line.partition(": ")
        if colon:
            fields.setdefault(name, value)
    headers = tuple(
        (name, value) for line in header_block.split("\n") if line
        for name, _, value in [line.partition(": ")]
    )  # fmt: skip
    return Observation(
        probe=fields["probe"],
        request=fields.get("request", ""),
        outcome=Outcome(fields["outcome"]),
        status=int(fields["status"]) if fields.get("status") else None,
        headers=headers,
        body=body,
        at=fields.get("at", ""),
        detail=fields.get("detail", ""),
        values=tuple((k, tuple(v)) for k, v in json.loads(fields.get("values-json") or "{}").items()),
        stopped=Reason(fields["stopped"]) if fields.get("stopped") else None,
        truncated=fields.get("truncated") == "yes",
        channel=fields.get("channel") or None,
        sent=_sent(fields),
    )


def _sent(fields: Mapping[str, str]) -> Sent | None:
    if "sent-method" not in fields:
        return None
    body = base64.b64decode(fields.get("sent-body-base64") or "", validate=True)
    return Sent(
        fields["sent-protocol"],
        fields["sent-method"],
        fields["sent-url"],
        fields.get("sent-action", ""),
        body,
        fields.get("sent-login", ""),
        fields.get("sent-realm", ""),
    )
