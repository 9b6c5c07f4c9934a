"""Probe tests share one parsed set of ONVIF WSDLs (zeep takes ~0.3 s a file), except where parsing is what is
tested (test_onvif_shared builds its own caches and counts the parses)."""

from __future__ import annotations

import pytest

from scanner.probes import onvif as onvif_module
from scanner.probes.onvif_zeep import WsdlCache

_SHARED = WsdlCache()


@pytest.fixture(autouse=True)
def shared_wsdls(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if not request.module.__name__.endswith("test_onvif_shared"):
        monkeypatch.setattr(onvif_module, "WsdlCache", lambda: _SHARED)
