"""How many devices are audited at once: the rule that adapts it to the audit's own lag (pure), and the probe."""

from __future__ import annotations

from scanner.model import Host, WsdReply
from scanner.pipeline.admission import BUSY, CALM, Admission, LagProbe, Limits, adjusted
from scanner.pipeline.scan import longest_first

LIMITS = Limits(start=64, low=16, high=256)


def test_more_devices_are_let_in_while_calm_and_some_wait():
    assert adjusted(64, CALM / 2, True, LIMITS) == 72  # an eighth more
    assert adjusted(16, CALM / 2, True, LIMITS) == 20  # at least four
    assert adjusted(250, CALM / 2, True, LIMITS) == 256  # never past the most


def test_none_more_when_no_device_waits_or_the_lag_is_between():
    assert adjusted(64, CALM / 2, False, LIMITS) == 64
    assert adjusted(64, (CALM + BUSY) / 2, True, LIMITS) == 64


def test_fewer_when_busy_but_never_under_the_fewest():
    assert adjusted(120, BUSY * 2, True, LIMITS) == 100  # a sixth fewer
    assert adjusted(17, BUSY * 2, True, LIMITS) == 16


def test_a_fixed_concurrency_never_moves():
    fixed = Limits(start=8, low=8, high=8)
    assert adjusted(8, CALM / 2, True, fixed) == 8 and adjusted(8, BUSY * 2, True, fixed) == 8


def test_without_a_probe_the_limit_stays_where_it_started():
    admission = Admission(Limits(start=32, low=8, high=128), None)
    assert admission.tick(True) == 32 and admission.peak == 32 and admission.history == []
    assert admission.mean() == 32


def test_the_probe_measures_a_lag_and_stops():
    probe = LagProbe(None)
    try:
        probe._stop.wait(0.2)  # a few of its sleeps
        assert probe.take() >= 0.0
    finally:
        probe.close()


def test_the_longest_audits_start_first_and_ties_keep_their_order():
    onvif = WsdReply("127.0.0.3", "urn:uuid:1", ("dn:NetworkVideoTransmitter",), (), ("http://127.0.0.3/",))
    hosts = [
        Host("127.0.0.1", (80,)),
        Host("127.0.0.2", (80, 554, 8000)),
        Host("127.0.0.3", (80,), wsd=(onvif,)),
        Host("127.0.0.4", (80,)),
    ]
    order = [h.address for h in longest_first(hosts)]
    assert order == ["127.0.0.3", "127.0.0.2", "127.0.0.1", "127.0.0.4"]
