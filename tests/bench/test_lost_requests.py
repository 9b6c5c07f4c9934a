"""No single lost answer bends a verdict: every request each model's audit sends is lost once, on a clone of its
own, and every connection closed at once (bench/lost_requests.py, run whole: 37 models, ~830 clones)."""

from __future__ import annotations

import shutil

import pytest

from bench import lost_requests

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap not installed")]
NETWORK = "127.94.0.0/20"  # its own: the bench's default network may be in use by a bench run


def test_no_single_lost_request_or_connection_closed_at_once_bends_a_verdict(capsys):
    failed = lost_requests.main(["--network", NETWORK])
    out = capsys.readouterr().out
    assert failed == 0, out
    assert out.splitlines()[-1].startswith("0 of "), out  # the summary line: no clone bent
