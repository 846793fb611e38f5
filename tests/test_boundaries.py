"""Layer boundaries: the client, the server and the store know nothing of Textual, and the
server and client know nothing of each other. The official SDK is for tests only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pieces_tui"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(*parts: str) -> list[Path]:
    target = PACKAGE.joinpath(*parts)
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (("client",), ("textual", "rich", "pieces_tui.server", "pieces_os_client")),
        (("server",), ("textual", "rich", "pieces_tui.client", "pieces_os_client")),
        (("state",), ("textual", "rich", "pieces_tui.server", "pieces_os_client")),
    ],
)
def test_layer_does_not_import(layer: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in files(*layer)
        for module in imported_modules(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    ]
    assert not offenders, offenders


def test_the_app_never_imports_the_official_sdk() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in files()
        if any(m.split(".")[0] == "pieces_os_client" for m in imported_modules(path))
    ]
    assert not offenders, offenders
