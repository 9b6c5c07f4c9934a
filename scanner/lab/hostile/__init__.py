"""The hostile corpus: devices that misbehave on purpose (XML bombs, drips, endless answers, garbage discovery)."""

from scanner.lab.hostile.catalogue import HOSTILE, HostilePersona, scan_personas
from scanner.lab.hostile.lab import HostileDevice, HostileLab

__all__ = ["HOSTILE", "HostileDevice", "HostileLab", "HostilePersona", "scan_personas"]
