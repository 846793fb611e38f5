"""Export conversations to Markdown or JSON files. No Textual imports: the commands use it, and
so can the app's export dialog.

How a dialog drives it (in a worker, so esc can cancel it):

```python
@work(exclusive=True, group="export")
async def export(self, ids: list[str], fmt: Format, folder: Path) -> None:
    def progress(conversation: int, done: int, total: int) -> None:
        self.progress_bar.update(progress=done, total=total)   # per conversation's messages
    results = await export_conversations(client, ids, folder, fmt, progress=progress)
    # results[i].path is the file written for ids[i] (None + .error when it failed)
```

Cancelling the worker (`worker.cancel()`, e.g. on esc) raises `CancelledError` inside the export:
the temporary file of the conversation in progress is removed and nothing partial is left;
files finished before stay. For web mode, `render(client, id, fmt)` gives the text and a safe
file name instead of writing a file:

```python
rendered = await render(client, conversation_id, fmt, progress=...)
self.app.deliver_text(io.StringIO(rendered.text), save_filename=rendered.file_name)
```
"""

from __future__ import annotations

import contextlib
import enum
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pieces_tui.client import PiecesError
from pieces_tui.export.document import PAGE_SIZE, ExportDocument, Progress, fetch_document
from pieces_tui.export.markdown import to_markdown
from pieces_tui.export.names import claim_new_path, safe_file_name, safe_stem
from pieces_tui.export.wire_json import dumps, to_json, to_wire
from pieces_tui.labels import conversation_title

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient

__all__ = [
    "PAGE_SIZE",
    "ExportDocument",
    "ExportResult",
    "Format",
    "Progress",
    "Rendered",
    "dumps",
    "export_conversation",
    "export_conversations",
    "fetch_document",
    "render",
    "render_document",
    "safe_file_name",
    "safe_stem",
    "to_json",
    "to_markdown",
    "to_wire",
    "write_new_file",
]


class Format(enum.StrEnum):
    MARKDOWN = "md"
    JSON = "json"

    @property
    def extension(self) -> str:
        return self.value


@dataclass(frozen=True)
class Rendered:
    """An export in memory: its text and the safe file name it would be written under."""

    text: str
    file_name: str
    document: ExportDocument


@dataclass(frozen=True)
class ExportResult:
    """What happened to one conversation of `export_conversations`: `path` when written, else
    `error` (a `PiecesError` from the server or an `OSError` from the file system)."""

    conversation_id: str
    path: Path | None = None
    error: PiecesError | OSError | None = None


def render_document(document: ExportDocument, fmt: Format) -> Rendered:
    text = to_markdown(document) if fmt is Format.MARKDOWN else to_json(document)
    name = safe_file_name(
        conversation_title(document.conversation.name, document.conversation.created.value),
        fmt.extension,
    )
    return Rendered(text, name, document)


async def render(
    client: PiecesClient,
    conversation_id: str,
    fmt: Format,
    *,
    progress: Progress | None = None,
    page_size: int = PAGE_SIZE,
) -> Rendered:
    """Fetch one conversation (page by page) and render it; nothing is written."""
    document = await fetch_document(client, conversation_id, progress=progress, page_size=page_size)
    return render_document(document, fmt)


def write_new_file(folder: Path, file_name: str, text: str) -> Path:
    """Write `text` (UTF-8) to a new file in `folder` named `file_name`, or `stem (2).ext` ...
    when taken; never replaces a file. The text goes to a hidden temporary file in the same
    folder first, renamed into place when complete, so a crash or a cancel leaves no partial
    file under the final name. Returns the path written."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".pieces-tui-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; a normal new file is wanted
        return claim_new_path(Path(temp), folder, file_name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


async def export_conversation(
    client: PiecesClient,
    conversation_id: str,
    folder: Path,
    fmt: Format,
    *,
    progress: Progress | None = None,
    page_size: int = PAGE_SIZE,
) -> Path:
    """Fetch, render and write one conversation into `folder`; returns the path written.

    Raises the client's `PiecesError`s (`NotFound` for an unknown id) and `OSError`s of the
    file system. Nothing is written before every message has arrived, and the write itself is
    to a temporary file renamed at the end: a cancel at any point leaves no file behind."""
    rendered = await render(client, conversation_id, fmt, progress=progress, page_size=page_size)
    return write_new_file(folder, rendered.file_name, rendered.text)


async def export_conversations(
    client: PiecesClient,
    conversation_ids: Sequence[str],
    folder: Path,
    fmt: Format,
    *,
    progress: Callable[[int, int, int], None] | None = None,
    page_size: int = PAGE_SIZE,
) -> list[ExportResult]:
    """Export several conversations one after the other. One failing does not stop the others:
    each result says what happened. `progress(index, done, total)` follows the messages of the
    conversation `conversation_ids[index]`. Cancelling stops at once (see the module docstring)."""
    results: list[ExportResult] = []
    for index, conversation_id in enumerate(conversation_ids):

        def one(done: int, total: int, index: int = index) -> None:
            if progress is not None:
                progress(index, done, total)

        try:
            path = await export_conversation(
                client, conversation_id, folder, fmt, progress=one, page_size=page_size
            )
        except (PiecesError, OSError) as error:
            results.append(ExportResult(conversation_id, error=error))
        else:
            results.append(ExportResult(conversation_id, path=path))
    return results
