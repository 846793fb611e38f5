"""Safe file names from conversation names, and claiming a new file without overwriting one.

A conversation name is untrusted text (often written by an LLM). `safe_file_name` turns it into a
name that is valid on Linux, macOS and Windows and means no more than it says:

- control characters, escape sequences, bidi and zero-width characters go (`sanitize.clean_line`);
- path separators and the characters Windows forbids (`/ \\ : * ? " < > |`) become `_`;
- runs of whitespace become one space; leading and trailing spaces and dots go (Windows drops
  them, and a leading dot would hide the file); a leading `-` becomes `_` (not read as an option);
- a reserved Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9, also followed by an
  extension, in any case) gets a `_` in front;
- the stem is cut to `MAX_STEM_BYTES` bytes of UTF-8 (whole characters), so stem, a numbered
  suffix and the extension stay well under the 255-byte limit of common file systems;
- an empty result becomes `conversation`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pieces_tui.sanitize import clean_line

__all__ = ["MAX_STEM_BYTES", "claim_new_path", "safe_file_name", "safe_stem"]

MAX_STEM_BYTES = 120
FALLBACK_STEM = "conversation"
_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$")


def safe_stem(name: str | None, *, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file name stem (no extension) made from `name` as the module docstring says."""
    text = clean_line(name or "")
    text = _FORBIDDEN.sub("_", text)
    text = " ".join(text.split())
    text = _cut(text, max_bytes).strip(" .")
    if text.startswith("-"):
        text = "_" + text[1:]
    if not text:
        return FALLBACK_STEM
    if _RESERVED.match(text):
        text = _cut("_" + text, max_bytes).rstrip(" .")
    return text


def safe_file_name(name: str | None, extension: str) -> str:
    """`safe_stem(name)` plus `extension` (given with or without its dot: `md`, `.json`)."""
    return safe_stem(name) + "." + extension.lstrip(".")


def _cut(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")


def claim_new_path(source: Path, folder: Path, file_name: str, *, limit: int = 10_000) -> Path:
    """Move the finished file `source` to `folder/file_name`, or to `stem (2).ext`, `stem (3).ext`
    ... when that name is taken: an existing file is never replaced. Atomic per name: a hard
    link fails if the name exists (file systems without hard links get an exclusive create
    followed by a rename). `source` must be in `folder`. Returns the path written."""
    stem, dot, extension = file_name.rpartition(".")
    if not dot:
        stem, extension = file_name, ""
    suffix = f".{extension}" if extension else ""
    for number in range(1, limit + 1):
        candidate = folder / (file_name if number == 1 else f"{stem} ({number}){suffix}")
        try:
            os.link(source, candidate)
        except FileExistsError:
            continue
        except OSError:  # no hard links here (FAT, some network shares): reserve, then rename
            try:
                os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:
                continue
            os.replace(source, candidate)
            return candidate
        os.unlink(source)
        return candidate
    raise FileExistsError(f"{limit} files named like {file_name!r} already exist in {folder}")
