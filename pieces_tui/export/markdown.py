"""A conversation as a Markdown file that renders anywhere.

Layout: `# name`, a metadata list (id, created, updated, model, linked assets and websites), one
`##` section per annotation (the summary first), then `## Messages` with a `###` heading per
message (role and time) followed by its text verbatim, code fences as written.

"Verbatim" means the characters the author wrote, less what `sanitize.clean_text` removes
(escape sequences, control, bidi and zero-width characters): a Markdown file is read in editors
and `cat` to terminals, so it must not be able to drive one. Names and other one-line fields go
through `clean_line`. One addition: a message that leaves a code fence open (an answer cut
off mid-block) gets the closing fence, so it cannot swallow the messages after it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pieces_tui.client.models import AnnotationType
from pieces_tui.export.document import ExportDocument
from pieces_tui.sanitize import clean_line, clean_text
from pieces_tui.timefmt import absolute_time

__all__ = ["to_markdown"]

_ROLE_NAMES = {
    "USER": "User",
    "ASSISTANT": "Assistant",
    "SYSTEM": "System",
    "SYSTEM_THINKING": "Thinking",
}


def iso(when: datetime) -> str:
    """`2026-11-20T09:00:00Z`: UTC, seconds, no fraction."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _title(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _inline_code(text: str) -> str:
    """`text` as an inline code span that survives backticks inside it."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def _open_fence(text: str) -> str | None:
    """The fence left open at the end of `text` (CommonMark rules), or None."""
    opened: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if match is None:
            continue
        fence, rest = match.groups()
        if opened is None:
            if not (fence[0] == "`" and "`" in rest):  # a backtick fence's info has no backtick
                opened = fence
        elif fence[0] == opened[0] and len(fence) >= len(opened) and not rest.strip():
            opened = None
    return opened


def _autolink(url: str) -> str:
    """`<url>` when that is a valid autolink, else the URL as inline code (never a broken link)."""
    if any(c in url for c in "<> ") or ":" not in url:
        return _inline_code(url)
    return f"<{url}>"


def to_markdown(document: ExportDocument) -> str:
    """The Markdown text of `document` (ends with one newline)."""
    conversation = document.conversation
    lines = [f"# {clean_line(conversation.display_name)}", ""]
    lines.append(f"- **ID:** {_inline_code(clean_line(conversation.id))}")
    lines.append(f"- **Created:** {iso(conversation.created.value)}")
    lines.append(f"- **Updated:** {iso(conversation.updated.value)}")
    if conversation.model is not None:
        lines.append(f"- **Model:** {clean_line(conversation.model.id)}")
    if conversation.favorited:
        lines.append("- **Favorite:** yes")
    for asset in document.assets:
        name = clean_line(asset.name or asset.id)
        lines.append(f"- **Asset:** {_inline_code(name)}")
    for website in document.websites:
        url = clean_line(website.url or "")
        name = clean_line(website.name or "")
        link = _autolink(url) if url else ""
        shown = " — ".join(part for part in (name, link) if part)
        lines.append(f"- **Website:** {shown or clean_line(website.id)}")
    lines.append(f"- **Messages:** {len(document.messages)}")
    lines.append("")
    annotations = sorted(
        (a for a in document.annotations if a.text.strip()),
        key=lambda a: a.type != AnnotationType.SUMMARY,  # stable: the summary first
    )
    for annotation in annotations:
        text = clean_text(annotation.text).strip()
        lines += [f"## {_title(str(annotation.type))}", "", text, ""]
    lines += ["## Messages", ""]
    for message in document.messages:
        role = _ROLE_NAMES.get(str(message.role), _title(str(message.role)))
        lines += [f"### {role} · {absolute_time(message.created.value)}", ""]
        text = clean_text(message.text).rstrip("\n")
        fence = _open_fence(text)
        if fence is not None:
            text += "\n" + fence
        lines += [text if text.strip() else "*(no text)*", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
