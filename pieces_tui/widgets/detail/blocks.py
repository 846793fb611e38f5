"""One message as a widget, and the Markdown it is made of (imported on first use)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Static

from pieces_tui.widgets.detail.plain import plain_text
from pieces_tui.widgets.detail.views import MessageView

__all__ = ["MessageBlock", "markdown_blocks", "message_blocks", "role_label", "settled"]

ROLE_LABELS = {"USER": "You", "ASSISTANT": "Copilot", "SYSTEM": "System"}

ROLE_STYLES = {"ASSISTANT": "bold $text-accent"}
"""The role line of a plain message, as `.message-role` styles a Markdown one's label
(styles/detail.tcss: `$text-primary`, `$text-accent` for the assistant)."""
ROLE_STYLE = "bold $text-primary"


def role_label(role: str) -> str:
    """What a message's role line says ("You", "Copilot", or the role as words)."""
    return ROLE_LABELS.get(role, role.replace("_", " ").title())


class MessageBlock(Static):
    """One message: its role and its text.

    A message with no Markdown syntax (plain.py) is this one widget: its role line and its
    text as one `Content` (never markup), styled as the label and the Markdown paragraph it
    stands for (`.message.-plain` in styles/detail.tcss). Each widget of a block costs its
    styles, its mount, a box model in every layout and its own lines in every repaint; an
    opening of one-line messages mounts ten or so, and this made each one widget of three.
    Any other message composes a `Label` for the role and its Markdown below it."""

    class Resized(Message):
        """A block was laid out at a new size (mounted, or its Markdown filled in)."""

    class Filled(Message):
        """A plain block is mounted, its text with it (a Markdown block's text is in when its
        Markdown posts `TableOfContentsUpdated`): what waits for the text, a search highlight
        or the pane's reveal, looks again."""

        def __init__(self, block: MessageBlock) -> None:
            super().__init__()
            self.block = block

    def __init__(self, message: MessageView) -> None:
        role = message.role.upper()
        plain = plain_text(message.text)
        classes = f"message -{role.lower()}"
        start = 0
        if plain is None:
            super().__init__(classes=classes)
        else:
            label = role_label(role)
            start = len(label) + 1
            content = Content(f"{label}\n{plain}").stylize(
                ROLE_STYLES.get(role, ROLE_STYLE), 0, len(label)
            )
            super().__init__(content, expand=True, classes=f"{classes} -plain")
        self.text_start = start
        """Where a plain block's text starts in its `Content` (after the role line)."""
        self.message = message
        self._role = role
        self.plain = plain
        """What the block shows as plain text, or `None` when its text is shown as Markdown."""
        self.leaving = False
        """Set when the pane removes this block: until Textual has pruned it, it is still a
        child, but no longer part of the window (nothing should count or hold it)."""

    def leave(self) -> None:
        self.leaving = True
        self.remove()

    def compose(self) -> ComposeResult:
        if self.plain is not None:
            return
        yield Label(Content(role_label(self._role)), classes="message-role")
        yield from markdown_blocks(self.message.text, empty="*(empty message)*")

    def on_mount(self) -> None:
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
    once it is laid out): message blocks, or the pane's annotation sections. A Markdown block
    not composed yet has no children: it is not settled; a plain one is once mounted."""
    rest = []
    for block in blocks:
        if isinstance(block, MessageBlock) and block.plain is not None:
            if not block.is_mounted:
                return False
        elif not block.children:
            return False  # not composed yet
        else:
            rest.append(block)
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
