"""One device judged from what was read: its identity, findings, role, verdict and notes (pure).

The audit calls it with the answers it just gathered; `camaudit rejudge` with the answers an evidence bundle
recorded, under the signature set of the day.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.judge.identify import hints, identity
from scanner.judge.misbehaviour import misbehaviour, rejections
from scanner.judge.verdict import Context, judge
from scanner.matching.destinations import read_destinations
from scanner.matching.engine import match_rules, with_families
from scanner.matching.schema import SignatureSet
from scanner.model import AuditInputs, DeviceReport, NotChecked, Observation
from scanner.vocabulary import Reason


def assess(inputs: AuditInputs, observations: Sequence[Observation], sigset: SignatureSet) -> DeviceReport:
    """The device's report: the signatures applied to its answers, under the evidence standard."""
    host = inputs.host
    found = hints(observations, sigset, listens=bool(host.open_ports))
    findings = match_rules(observations, sigset.rules)
    who = identity(host, observations, found, sigset)
    vendors = with_families([who.vendor] if who.vendor else [], sigset)  # an OEM answers its family's rules too
    decisive = [rule for rule in sigset.rules if rule.conclusive]  # a miss of the others proves nothing
    skipped = list(inputs.skipped)
    skipped += [NotChecked("vendor_api", Reason(v.no_face_api), v.name) for v in sigset.vendors
                if v.no_face_api and v.name in vendors]  # fmt: skip
    skipped += misbehaviour(observations) + rejections(host)
    context = Context(
        vendors, found.is_camera, inputs.has_credential, found.role, tuple(skipped), frozenset(inputs.absent)
    )
    judgement = judge(findings, observations, decisive, context)
    return DeviceReport(
        address=host.address,
        identity=who,
        is_camera=found.is_camera,
        services=inputs.services,
        face_analytics=judgement.verdict,
        findings=findings,
        not_checked=judgement.not_checked,
        discovered_by=host.discovered_by,
        observations=tuple(observations),
        discovery=host.facts,
        coverage=judgement.coverage,
        role=found.role,
        channels=inputs.channels if found.is_camera else (),  # a non-video device's default channel is no camera
        inputs=inputs,
        destinations=read_destinations(observations, sigset, vendors),  # placed once the whole scan is in
    )
