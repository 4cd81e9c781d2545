"""What every subcommand shares: the resolved context and the error that ends a command."""

from __future__ import annotations

import json
import sys
from typing import Any

from workstation.config import Context

__all__ = ["CommandError", "Context", "Subparsers", "print_json"]


class CommandError(Exception):
    """Ends a command: `message` goes to stderr as one line, `exit_code` to the shell."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


Subparsers = Any  # argparse._SubParsersAction is private; this alias names what we mean.


def print_json(obj: object) -> None:
    """One JSON object per line on stdout, for machines."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
