"""A recorded scan judged again under today's signatures: which verdicts change, and which rules made them (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from scanner.judge.device import assess
from scanner.judge.identify import hints
from scanner.matching.engine import with_families
from scanner.matching.schema import SignatureSet
from scanner.model import AuditInputs, DeviceReport, NotChecked, Observation, ScanResult
from scanner.vocabulary import Reason


@dataclass(frozen=True)
class Change:
    """A device whose verdict the new signature set changes, and the rules behind the change."""

    address: str
    before: str
    after: str
    rules_added: tuple[str, ...]  # rules that match now and did not
    rules_removed: tuple[str, ...]  # rules that matched and do not now


def rejudge_device(inputs: AuditInputs, observations: Sequence[Observation], sigset: SignatureSet) -> DeviceReport:
    """The device judged again from its recorded answers. A request today's signatures would send to such a
    device but the bundle lacks is never guessed: it is not checked ("not recorded in this bundle")."""
    recorded = {obs.probe for obs in observations}
    vendors = with_families(hints(observations, sigset).vendors, sigset)
    missing = [
        NotChecked(spec.id, Reason.NOT_RECORDED)
        for spec in sigset.requests
        if spec.id not in recorded and (spec.when == "always" or spec.vendor in vendors) and spec.session is None
    ]
    have = {note.check for note in inputs.skipped}
    skipped = inputs.skipped + tuple(note for note in missing if note.check not in have)
    return assess(replace(inputs, skipped=skipped), observations, sigset)


def changes(before: ScanResult, after: ScanResult) -> tuple[Change, ...]:
    """Per device (by address), a verdict that differs, with the rules added and removed."""
    old = {d.address: d for d in before.devices}
    found = []
    for device in after.devices:
        earlier = old.get(device.address)
        if earlier is None:
            continue
        rules_now, rules_then = {f.rule for f in device.findings}, {f.rule for f in earlier.findings}
        if device.face_analytics != earlier.face_analytics or rules_now != rules_then:
            added, removed = tuple(sorted(rules_now - rules_then)), tuple(sorted(rules_then - rules_now))
            found.append(Change(device.address, earlier.face_analytics, device.face_analytics, added, removed))
    return tuple(found)
