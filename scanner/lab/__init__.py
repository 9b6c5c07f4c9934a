"""The emulated premises: IP cameras (and one web server) speaking the real protocols on loopback addresses."""

from scanner.lab.lab import Lab, LabDevice
from scanner.lab.persona_file import load_personas
from scanner.lab.personas import Expectation, Persona

__all__ = ["Expectation", "Lab", "LabDevice", "Persona", "load_personas"]
