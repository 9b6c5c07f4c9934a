"""How many devices are audited at once: the rule that adapts it to the audit's own lag (pure), and the probe."""

from __future__ import annotations

import time

from scanner.model import Host, WsdReply
from scanner.pipeline.admission import BUSY, BUSY_CPU, CALM, CALM_CPU, Admission, LagProbe, Limits, Load, adjusted
from scanner.pipeline.scan import longest_first

LIMITS = Limits(start=64, low=16, high=256)


CALM_LOAD = Load(CALM / 2, CALM_CPU / 2)


def test_more_devices_are_let_in_while_calm_and_some_wait():
    assert adjusted(64, CALM_LOAD, True, LIMITS) == 72  # an eighth more
    assert adjusted(16, CALM_LOAD, True, LIMITS) == 20  # at least four
    assert adjusted(250, CALM_LOAD, True, LIMITS) == 256  # never past the most


def test_none_more_when_no_device_waits_or_either_sign_is_between():
    assert adjusted(64, CALM_LOAD, False, LIMITS) == 64
    assert adjusted(64, Load((CALM + BUSY) / 2, CALM_CPU / 2), True, LIMITS) == 64
    assert adjusted(64, Load(CALM / 2, (CALM_CPU + BUSY_CPU) / 2), True, LIMITS) == 64


def test_fewer_when_either_sign_is_busy_but_never_under_the_fewest():
    assert adjusted(120, Load(BUSY * 2, CALM_CPU / 2), True, LIMITS) == 100  # a sixth fewer
    assert adjusted(120, Load(CALM / 2, 0.99), True, LIMITS) == 100  # the core saturated
    assert adjusted(17, Load(BUSY * 2, 0.99), True, LIMITS) == 16


def test_a_core_kept_busy_by_another_program_leaves_the_lag_to_decide():
    # The audit uses a fifth of its core, another program the rest: fewer devices would not free it.
    crowded = Load(CALM / 2, 1.0, own=0.2)
    assert adjusted(64, crowded, True, LIMITS) == 72  # its threads wake on time: more may come while devices wait
    assert adjusted(64, crowded, False, LIMITS) == 64
    assert adjusted(64, Load(BUSY * 2, 1.0, own=0.2), True, LIMITS) == 54  # they wake late: fewer
    # Half of the busy core is the audit's own: the busy core counts again (a fair share reached).
    assert adjusted(64, Load(CALM / 2, 1.0, own=0.5), True, LIMITS) == 54
    assert adjusted(64, Load(CALM / 2, 0.99, own=0.9), True, LIMITS) == 54


def test_a_fixed_concurrency_never_moves():
    fixed = Limits(start=8, low=8, high=8)
    assert adjusted(8, CALM_LOAD, True, fixed) == 8 and adjusted(8, Load(BUSY * 2, 1.0), True, fixed) == 8


def test_without_a_probe_the_limit_stays_where_it_started():
    admission = Admission(Limits(start=32, low=8, high=128), None)
    assert admission.tick(True) == 32 and admission.peak == 32 and admission.history == []
    assert admission.mean() == 32


def test_the_probe_measures_a_lag_and_stops():
    probe = LagProbe(None)
    try:
        end = time.monotonic() + 0.2
        while time.monotonic() < end:  # a few of its sleeps, the process busy meanwhile
            pass
        load = probe.take()
        assert load.lag >= 0.0 and 0.2 < load.cpu <= 2.0  # about a core: this thread kept it busy
        assert 0.2 < load.own <= load.cpu  # and that core was the process's own work
    finally:
        probe.close()


def test_the_longest_audits_start_first_and_ties_keep_their_order():
    onvif = WsdReply("127.0.0.3", "urn:uuid:1", ("dn:NetworkVideoTransmitter",), (), ("http://127.0.0.3/",))
    hosts = [
        Host("127.0.0.1", (80,)),
        Host("127.0.0.2", (80, 554)),
        Host("127.0.0.3", (80,), wsd=(onvif,)),
        Host("127.0.0.4", (80,)),
        Host("127.0.0.5", (80, 37777)),  # a maker's SDK port: its API is asked too
        Host("127.0.0.6", (80,), mac_vendor="Hangzhou Hikvision Digital Technology"),
        Host("127.0.0.7", (554,)),
    ]
    order = [h.address for h in longest_first(hosts, lambda host: host.mac_vendor is not None)]
    assert order == ["127.0.0.5", "127.0.0.3", "127.0.0.6", "127.0.0.2", "127.0.0.1", "127.0.0.4", "127.0.0.7"]
    assert [h.address for h in longest_first(hosts)][-3:] == ["127.0.0.4", "127.0.0.6", "127.0.0.7"]
    rtsp_only, web = Host("127.0.0.8", (554,)), Host("127.0.0.9", (8080,))
    assert longest_first([rtsp_only, web]) == [web, rtsp_only]  # one port each: the web port is more to ask
