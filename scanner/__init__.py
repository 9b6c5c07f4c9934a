"""camaudit: find IP cameras on a premises network and show, with evidence, which do face analytics."""

__version__ = "0.1.0"
TOOL_NAME = "camaudit"
