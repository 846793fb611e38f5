"""Scriptable commands: `pieces-tui list | show | export | search | web`. No Textual import on
the path of `list`, `show`, `export` and `search` (tests/commands/test_no_textual.py checks it);
`web` starts the app in child processes only.

`COMMANDS` maps each command to the module that runs it (`module.main(argv) -> exit code`); the
modules are imported only when their command runs. A new command is one module with a `main`
and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

__all__ = ["COMMANDS", "run"]

COMMANDS: dict[str, str] = {
    "list": "pieces_tui.commands.listing",
    "show": "pieces_tui.commands.show",
    "export": "pieces_tui.commands.export",
    "search": "pieces_tui.commands.search",
    "web": "pieces_tui.commands.web",
}


def run(name: str, argv: Sequence[str]) -> int:
    """Run the command `name` with its arguments; returns the process exit code."""
    module = importlib.import_module(COMMANDS[name])
    code: int = module.main(list(argv))
    return code
