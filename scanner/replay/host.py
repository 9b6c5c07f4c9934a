"""The replay: every recorded device on its own loopback address, served by one asyncio loop in a thread."""

from __future__ import annotations

import asyncio
import errno
import json
from collections.abc import Sequence

from scanner.errors import LabError
from scanner.lab.device import TcpListener, UdpListener
from scanner.lab.loop import LoopHost
from scanner.lab.ports import can_bind_privileged
from scanner.replay.device import listeners
from scanner.replay.plan import Placed, place, replay_network
from scanner.replay.records import RecordedDevice

REPLAY_LOGIN = ("replay", "any password")  # the replay accepts any login; a credentials file needs one

_REASONS = {
    errno.EADDRINUSE: "address already in use",
    errno.EACCES: "permission denied (ports below 1024 need root; pass standard_ports=False)",
    errno.EADDRNOTAVAIL: "address not available",
}


class Replay(LoopHost):
    """Context manager serving recorded devices: `with Replay(load_recordings(path)) as replay: ...`."""

    _thread_name = "camaudit-replay"
    _kind = "replay"

    def __init__(
        self, devices: Sequence[RecordedDevice], network: str = "127.77.200.0/24", standard_ports: bool | None = None
    ) -> None:
        net = replay_network(network)
        standard = can_bind_privileged(str(net.network_address + 1)) if standard_ports is None else standard_ports
        self.devices: tuple[Placed, ...] = place(devices, network, standard)
        self.network = str(net)
        super().__init__()

    def credentials_toml(self) -> str:
        """A camaudit credentials file for the replayed devices: any login is accepted. Each device's entry lets the
        login go in clear (`allow_basic`) where the recording's scan did, and only there, so a replay is asked and
        answers as the original was."""
        user, password = (json.dumps(part) for part in REPLAY_LOGIN)
        parts = ["# camaudit credentials for a replay: it accepts any login, the recording holds no password\n"]
        for placed in self.devices:
            clear = "true" if placed.device.clear_login else "false"
            parts.append(
                f"[[credentials]]\ntargets = [{json.dumps(placed.address)}]\nusername = {user}\n"
                f"password = {password}\nallow_basic = {clear}\n"
            )
        return "\n".join(parts)

    async def _bind_all(self) -> None:
        for placed in self.devices:
            for listener in listeners(placed):
                try:
                    await self._bind(placed.address, listener)
                except OSError as exc:
                    await self._close_all()
                    reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
                    kind = "udp" if isinstance(listener, UdpListener) else "tcp"
                    raise LabError(
                        f"cannot listen on {placed.address}:{listener.port}/{kind} ({placed.device.name}): {reason}"
                    ) from None

    async def _bind(self, address: str, listener: TcpListener | UdpListener) -> None:
        loop = asyncio.get_running_loop()
        if isinstance(listener, UdpListener):
            transport, _ = await loop.create_datagram_endpoint(listener.protocol, local_addr=(address, listener.port))
            self._transports.append(transport)
            return
        server = await asyncio.start_server(
            self._tracked(listener.serve), host=address, port=listener.port, limit=listener.limit, reuse_address=True
        )
        self._servers.append(server)
