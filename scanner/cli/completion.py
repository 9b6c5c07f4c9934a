"""`camaudit completion bash|zsh`: the shell completion script, generated from the parser itself by shtab."""

from __future__ import annotations

import argparse
import sys


def print_completion(parser: argparse.ArgumentParser, shell: str) -> int:
    import shtab  # only this command needs it

    sys.stdout.write(shtab.complete(parser, shell=shell))
    return 0
