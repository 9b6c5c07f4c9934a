"""The namespace lab: a real L2 segment of network namespaces (a bridge, one namespace per device, a scanner's).

Every host is a namespace; the bridge lives in a namespace of its own, so the host's namespace gets no
interface, address or route. Devices get 198.51.100.11+ (RFC 5737 TEST-NET-2) and their persona's MAC
(the real vendor's OUI); the scanner namespace gets 198.51.100.2 and nothing else: no default route, no
link to the host. The range is checked against the host's routes and addresses before anything is made.
Names carry a unique prefix; `stop()` (also registered with atexit) deletes exactly those namespaces.

Root uses `ip netns`. Without root, `rootless()` starts an `unshare -rnm` holder (user, network and mount
namespaces, a private /run) and every command runs inside it through nsenter; the kernel removes it all
when the holder exits. `support()` says why neither works, for tests to skip with that reason.
"""

from __future__ import annotations

import atexit
import ipaddress
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import LabError
from scanner.lab.personas import Persona

NETWORK = ipaddress.IPv4Network("198.51.100.0/24")
SCANNER_ADDRESS = "198.51.100.2"
SCANNER_MAC = "02:00:00:00:ff:02"  # locally administered: no vendor
FIRST_HOST = 11
READY_TIMEOUT = 20.0
COMMAND_TIMEOUT = 20.0


@dataclass(frozen=True)
class SegmentDevice:
    """One device of the lab: its persona, address and namespace."""

    persona: Persona
    address: str
    namespace: str


class _Runner:
    """Runs commands on the host (root) or inside the rootless holder's namespaces (nsenter prefix)."""

    def __init__(self, prefix: Sequence[str] = ()) -> None:
        self.prefix = list(prefix)

    def argv(self, command: Sequence[str]) -> list[str]:
        return [*self.prefix, *command]

    def run(self, *command: str) -> str:
        done = subprocess.run(  # noqa: S603 - fixed commands, no shell
            self.argv(command), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
        if done.returncode != 0:
            raise LabError(f"`{' '.join(command)}` failed: {done.stderr.strip()[:300]}")
        return done.stdout


def support() -> str | None:
    """None when this machine can build the lab; else the reason, for a test skip."""
    if shutil.which("ip") is None:
        return "needs iproute2's `ip` (apt-get install iproute2)"
    if os.geteuid() == 0:
        probe = f"camaudit-probe-{os.getpid()}"
        try:
            _Runner().run("ip", "netns", "add", probe)
            _Runner().run("ip", "netns", "del", probe)
            return None
        except (LabError, OSError, subprocess.SubprocessError) as exc:
            return f"root, but `ip netns add` fails: {exc}"
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "not root, and util-linux's unshare/nsenter are missing for the rootless lab"
    script = "mount -t tmpfs tmpfs /run && ip netns add probe && ip netns del probe"
    done = subprocess.run(  # noqa: S603 - util-linux from PATH, fixed arguments
        ["unshare", "-rnm", "sh", "-c", script],  # noqa: S607
        capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return f"not root, and `unshare -rnm` cannot make network namespaces ({done.stderr.strip()[:200]})"
    return None


def check_host_routes(network: ipaddress.IPv4Network = NETWORK) -> None:
    """LabError when the host already routes or holds an address in `network`: then it would not be a lab."""
    routes = json.loads(_Runner().run("ip", "-j", "-4", "route", "show", "table", "all") or "[]")
    for route in routes:
        dst = route.get("dst", "default")
        if dst in ("default", "0.0.0.0/0") or route.get("type") in ("broadcast", "local") and "/" not in dst:
            continue
        try:
            routed = ipaddress.IPv4Network(dst, strict=False)
        except ValueError:
            continue
        if routed.overlaps(network):
            raise LabError(f"the host routes {dst}, which overlaps the lab network {network}: refusing to build it")
    for link in json.loads(_Runner().run("ip", "-j", "-4", "addr") or "[]"):
        for info in link.get("addr_info", []):
            if ipaddress.IPv4Address(info["local"]) in network:
                raise LabError(f"the host has {info['local']} on {link.get('ifname')}, inside {network}")


class SegmentLab:
    """`with SegmentLab(personas) as lab: lab.scanner([...])` — devices up, the scanner's namespace ready."""

    def __init__(self, personas: Sequence[Persona], *, lossy_wsd: Sequence[str] = (), rootless: bool = False) -> None:
        if FIRST_HOST + len(personas) >= NETWORK.num_addresses - 1:
            raise LabError(f"{len(personas)} devices do not fit in {NETWORK}")
        self.prefix = f"ca{uuid.uuid4().hex[:8]}"
        self.devices = tuple(
            SegmentDevice(p, str(NETWORK.network_address + FIRST_HOST + i), f"{self.prefix}d{i}")
            for i, p in enumerate(personas)
        )
        self.lossy_wsd = frozenset(lossy_wsd)
        self.switch, self.scan_ns = f"{self.prefix}sw", f"{self.prefix}scan"
        self._rootless = rootless
        self._holder: subprocess.Popen[bytes] | None = None
        self._runner = _Runner()
        self._processes: dict[str, subprocess.Popen[str]] = {}
        self._namespaces: list[str] = []
        self.counters: dict[str, str] = {}

    def __enter__(self) -> SegmentLab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Build the segment and start every device; LabError (after cleaning up) when anything fails."""
        check_host_routes()
        atexit.register(self.stop)
        try:
            if self._rootless:
                self._start_holder()
            self._namespace(self.switch)
            self._runner.run("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0",
                             "forward_delay", "0")  # fmt: skip
            self._runner.run("ip", "-n", self.switch, "link", "set", "br0", "up")
            self._host(self.scan_ns, SCANNER_ADDRESS, SCANNER_MAC, "pscan")
            for index, device in enumerate(self.devices):
                self._host(device.namespace, device.address, device.persona.mac, f"p{index}")
            self._check_scanner_isolated()
            host_inode = os.stat("/proc/self/ns/net").st_ino
            for device in self.devices:
                self._start_device(device, host_inode)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def scanner_argv(self, command: Sequence[str]) -> list[str]:
        """`command` run inside the scanner's namespace."""
        return self._runner.argv(["ip", "netns", "exec", self.scan_ns, *command])

    def scanner(self, command: Sequence[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run `command` in the scanner's namespace and return its output (the test reads it)."""
        return subprocess.run(  # noqa: S603
            self.scanner_argv(command), capture_output=True, text=True, timeout=timeout, check=False
        )

    def credentials_toml(self) -> str:
        """A camaudit credentials file: each device's lab login for its address."""
        parts = []
        for d in self.devices:
            login = f"username = {json.dumps(d.persona.username)}\npassword = {json.dumps(d.persona.password)}\n"
            parts.append(f'[[credentials]]\ntargets = ["{d.address}"]\n{login}')
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop the devices (closing their stdin), collect their counters, delete this lab's namespaces."""
        for persona_id, process in self._processes.items():
            try:
                out, _ = process.communicate(input="", timeout=5)
                self.counters[persona_id] = out
            except (subprocess.TimeoutExpired, OSError, ValueError):
                process.kill()
                process.wait(timeout=5)
        self._processes.clear()
        for namespace in reversed(self._namespaces):
            try:
                self._runner.run("ip", "netns", "del", namespace)
            except (LabError, OSError, subprocess.SubprocessError):
                pass  # already gone
        self._namespaces.clear()
        if self._holder is not None:
            # The holder and its `sleep` form one process group: end both, so nothing keeps the namespaces.
            os.killpg(self._holder.pid, signal.SIGKILL)
            self._holder.wait(timeout=5)
            if self._holder.stdout is not None:
                self._holder.stdout.close()
            self._holder = None
        atexit.unregister(self.stop)

    def _start_holder(self) -> None:
        script = "mount -t tmpfs tmpfs /run && echo ready && exec sleep 86400"
        holder = subprocess.Popen(  # noqa: S603 - util-linux from PATH, fixed arguments
            ["unshare", "-rnm", "--fork", "sh", "-c", script],  # noqa: S607
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        self._holder = holder
        if holder.stdout is None or holder.stdout.readline().strip() != b"ready":
            raise LabError("the rootless namespace holder did not start")
        pid = _child_pid(holder.pid)
        self._runner = _Runner(["nsenter", f"--target={pid}", "--user", "--mount", "--net", "--preserve-credentials"])

    def _namespace(self, name: str) -> None:
        self._runner.run("ip", "netns", "add", name)
        self._namespaces.append(name)
        self._runner.run("ip", "-n", name, "link", "set", "lo", "up")

    def _host(self, namespace: str, address: str, mac: str, port: str) -> None:
        self._namespace(namespace)
        # Both ends are created straight inside namespaces: the host's namespace never holds either.
        self._runner.run("ip", "-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                         "netns", namespace)  # fmt: skip
        self._runner.run("ip", "-n", self.switch, "link", "set", port, "master", "br0", "up")
        self._runner.run("ip", "-n", namespace, "link", "set", "eth0", "address", mac)
        self._runner.run("ip", "-n", namespace, "addr", "add", f"{address}/{NETWORK.prefixlen}", "dev", "eth0")
        self._runner.run("ip", "-n", namespace, "link", "set", "eth0", "up")

    def _check_scanner_isolated(self) -> None:
        routes = json.loads(self._runner.run("ip", "-n", self.scan_ns, "-j", "-4", "route") or "[]")
        if [r.get("dst") for r in routes] != [str(NETWORK)]:
            raise LabError(f"the scanner namespace routes {[r.get('dst') for r in routes]}, not only {NETWORK}")

    def _start_device(self, device: SegmentDevice, host_inode: int) -> None:
        lossy = ["--lossy-wsd"] if device.persona.id in self.lossy_wsd else []
        command = [sys.executable, "-m", "tests.doubles.segment.device", device.persona.id, device.address,
                   str(NETWORK), str(host_inode), *lossy]  # fmt: skip
        argv = self._runner.argv(["ip", "netns", "exec", device.namespace, *command])
        self._processes[device.persona.id] = subprocess.Popen(  # noqa: S603
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[3],  # the repository: `-m tests.doubles...` resolves there
        )  # fmt: skip

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        with selectors.DefaultSelector() as selector:
            for persona_id, process in self._processes.items():
                assert process.stdout is not None
                selector.register(process.stdout, selectors.EVENT_READ, persona_id)
            waiting = set(self._processes)
            while waiting and (left := deadline - time.monotonic()) > 0:
                for key, _ in selector.select(left):
                    line = key.fileobj.readline()  # type: ignore[union-attr]
                    if line.strip() != "ready":
                        error = self._processes[key.data].stderr
                        raise LabError(f"device {key.data} did not start: {(error.read() if error else '')[:400]}")
                    waiting.discard(key.data)
                    selector.unregister(key.fileobj)
        if waiting:
            raise LabError(f"devices not ready after {READY_TIMEOUT:.0f} s: {', '.join(sorted(waiting))}")


def _child_pid(pid: int) -> int:
    """The first child of `pid` (unshare --fork's shell, inside the new namespaces)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children")
        text = children.read_text().split() if children.exists() else []
        if text:
            return int(text[0])
        time.sleep(0.02)
    raise LabError("the rootless namespace holder has no child process")
