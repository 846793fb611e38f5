"""One message as a widget, and the Markdown it is made of (imported on first use)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label

from pieces_tui.widgets.detail.plain import PlainText, plain_text
from pieces_tui.widgets.detail.views import MessageView

__all__ = ["MessageBlock", "markdown_blocks", "message_blocks", "settled"]

ROLE_LABELS = {"USER": "You", "ASSISTANT": "Copilot", "SYSTEM": "System"}


class MessageBlock(Vertical):
    """One message: its role and its text, as Markdown or, when it has no Markdown syntax, as
    one `PlainText` that looks the same (plain.py)."""

    class Resized(Message):
        """A block was laid out at a new size (mounted, or its Markdown filled in)."""

    class Filled(Message):
        """A plain block's text is mounted (a Markdown block's is when its Markdown posts
        `TableOfContentsUpdated`): what waits for the text, a search highlight or the pane's
        reveal, looks again."""

        def __init__(self, block: MessageBlock) -> None:
            super().__init__()
            self.block = block

    def __init__(self, message: MessageView) -> None:
        role = message.role.upper()
        super().__init__(classes=f"message -{role.lower()}")
        self.message = message
        self._role = role
        self.plain = plain_text(message.text)
        """What the block shows as plain text, or `None` when its text is shown as Markdown."""
        self.leaving = False
        """Set when the pane removes this block: until Textual has pruned it, it is still a
        child, but no longer part of the window (nothing should count or hold it)."""

    def leave(self) -> None:
        self.leaving = True
        self.remove()

    def compose(self) -> ComposeResult:
        label = ROLE_LABELS.get(self._role, self._role.replace("_", " ").title())
        yield Label(Content(label), classes="message-role")
        if self.plain is not None:
            yield PlainText(self.plain)
        else:
            yield from markdown_blocks(self.message.text, empty="*(empty message)*")

    def on_mount(self) -> None:
        # Its children are mounted by now (Textual composes before `Mount`).
        if self.plain is not None:
            self.post_message(self.Filled(self))
        # Its first `Resize` tells the pane it is laid out, but Textual does not always send
        # one: under load (about 1 run in 30 of tests/widgets/test_detail_window.py) blocks
        # were laid out on screen and none came, and the pane, at the end of its window, never
        # looked again. The first refresh after the mount has laid it out: say so then too.
        self.call_after_refresh(self.post_message, self.Resized())

    def on_resize(self) -> None:
        self.post_message(self.Resized())


def markdown_blocks(text: str, *, empty: str = "") -> Iterator[Widget]:
    # Imported on first use: Markdown (markdown-it, its plugins, pygments) costs ~0.07 s of
    # start-up, and the list can be painted before the pane needs it.
    from pieces_tui.widgets.safe_markdown import markdown_blocks

    return markdown_blocks(text, empty=empty)


def settled(blocks: Sequence[Widget]) -> bool:
    """True when every block's Markdown has been parsed and mounted (so its height is known
    once it is laid out): message blocks, or the pane's annotation sections. A message block
    not composed yet has no children: it is not settled; a plain one is once composed."""
    if not all(block.children for block in blocks):
        return False  # not composed yet
    rest = [
        block
        for block in blocks
        if not (isinstance(block, MessageBlock) and block.plain is not None)
    ]
    if not rest:
        return True  # (without importing Markdown, which the first frame does without)
    from pieces_tui.widgets.safe_markdown import SafeMarkdown

    for block in rest:
        markdowns = [child for child in block.children if isinstance(child, SafeMarkdown)]
        if not markdowns or not all(markdown.filled for markdown in markdowns):
            return False
    return True


def message_blocks(widget: Widget) -> list[MessageBlock]:
    """The message blocks mounted in a pane, in order, without those being removed (tests and
    benchmarks read them)."""
    return [block for block in widget.query(MessageBlock) if not block.leaving]
