"""A lab of chosen personas, in the order given (so a test knows which address each gets), on a test module's own
loopback network."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.lab import Lab, load_personas


def chosen_lab(network: str, ids: Sequence[str]) -> Lab:
    """The lab of the personas named by `ids` (KeyError for an unknown one), not started yet."""
    by_id = {p.id: p for p in load_personas()}
    return Lab(network=network, personas=[by_id[i] for i in ids])
