"""Shared test fixtures, and a guard that fails any test which sends traffic outside loopback."""

from __future__ import annotations

import ipaddress
import socket

import pytest

# The lab integration modules' shared scans (creds_file, with_creds, without_creds): each module brings its own `lab`.
pytest_plugins = ["tests.doubles.lab_scans"]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto


def _check(address: object) -> None:
    if not isinstance(address, tuple) or not address:
        return  # AF_UNIX paths and the like
    host = address[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise AssertionError(f"test tried to reach a host name {host!r}: tests use addresses only") from None
    if not ip.is_loopback:
        raise AssertionError(f"test tried to reach {ip}, outside loopback: forbidden by the network-safety rule")


def _connect(self: socket.socket, address: object) -> None:
    _check(address)
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: object) -> int:
    _check(address)
    return _real_connect_ex(self, address)


def _sendto(self: socket.socket, data: bytes, *args: object) -> int:
    _check(args[-1])
    return _real_sendto(self, data, *args)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test in this process may only talk to 127.0.0.0/8 and ::1 (subprocesses run inside namespaces)."""
    monkeypatch.setattr(socket.socket, "connect", _connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", _sendto)


@pytest.fixture(autouse=True)
def private_history(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Scans stored by tests go to a throwaway history, never the user's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


_LAB_LOCK = "/tmp/camaudit-test-lab.lock"  # noqa: S108 - one machine-wide lock, by design


def pytest_configure(config: pytest.Config) -> None:
    """The lab tests listen on fixed loopback networks (127.77.x): two test runs on one machine (two checkouts)
    would take each other's addresses. A run that includes lab tests waits for the other to finish; xdist workers
    run under their controller's lock."""
    if hasattr(config, "workerinput") or "not lab" in (config.option.markexpr or ""):
        return
    import fcntl

    try:
        handle = open(_LAB_LOCK, "a+")  # noqa: SIM115 - held for the whole run
    except OSError:
        return  # another user's lock file: run without it
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another camaudit test run on this machine to free the lab networks ({_LAB_LOCK})")
        fcntl.flock(handle, fcntl.LOCK_EX)
    config._camaudit_lab_lock = handle  # type: ignore[attr-defined]
