"""The hostile corpus: devices that misbehave on purpose (XML bombs, drips, endless answers, garbage discovery)."""

from tests.doubles.hostile.catalogue import HOSTILE, HostilePersona, scan_personas
from tests.doubles.hostile.lab import HostileDevice, HostileLab

__all__ = ["HOSTILE", "HostileDevice", "HostileLab", "HostilePersona", "scan_personas"]
