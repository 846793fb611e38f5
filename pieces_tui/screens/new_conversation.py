"""New conversation dialog: an optional name, and either a blank start or an asset to start from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.highlight import highlight
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from pieces_tui.client import PiecesError
from pieces_tui.labels import NAME_MAX_LENGTH, NAME_TOO_LONG
from pieces_tui.sanitize import clean_line, clean_text
from pieces_tui.state.problems import human_error
from pieces_tui.typeahead import keys_ready


class AssetLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...


@dataclass(frozen=True)
class NewConversation:
    """What the dialog returns: a name (or None for the server's default) and an optional asset."""

    name: str | None
    asset_id: str | None = None


PREVIEW_LINES = 11


def _asset_prompt(asset: AssetLike, needle: str) -> Content:
    name = Content(clean_line(asset.name or "Untitled asset"))
    if needle:
        folded = name.plain.casefold()
        start = folded.find(needle)
        if start >= 0:
            name = name.stylize("reverse", start, start + len(needle))
    meta = " · ".join(
        part
        for part in (
            clean_line(asset.language or ""),
            f"{len((asset.text or '').splitlines())} lines",
        )
        if part
    )
    return Content.assemble(name, "  ", (meta, "dim"))


class NewConversationScreen(ModalScreen[NewConversation | None]):
    """Dismisses with the request once `create` has done it; stays open, with the typed name
    and the reason, when it fails."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self,
        load_assets: Callable[[], Awaitable[Sequence[AssetLike]]],
        create: Callable[[NewConversation], Awaitable[object]],
    ) -> None:
        super().__init__()
        self._load_assets = load_assets
        self._create = create
        self._assets: list[AssetLike] = []
        self._shown: list[AssetLike] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -wide"):
            yield Label("New conversation", classes="dialog-title")
            yield Input(placeholder="Name (optional)", id="name", max_length=NAME_MAX_LENGTH)
            with RadioSet(id="source"):
                yield RadioButton("Blank", value=True, id="blank")
                yield RadioButton("From an asset", id="from-asset")
            with Vertical(id="asset-picker"):
                yield Input(placeholder="Search assets", id="asset-search", compact=True)
                with Horizontal(id="asset-columns"):
                    yield OptionList(id="assets")
                    yield Static("", id="asset-preview", markup=False)
            yield Label("", id="error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create", id="create", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#asset-picker").display = False
        keys_ready(self, self.query_one("#name", Input))

    @property
    def _from_asset(self) -> bool:
        return self.query_one("#from-asset", RadioButton).value

    @on(RadioSet.Changed)
    def _source_changed(self) -> None:
        picker = self.query_one("#asset-picker")
        picker.display = self._from_asset
        self.query_one("#dialog").set_class(self._from_asset, "-tall")
        if self._from_asset:
            self.query_one("#asset-search", Input).focus()
            if not self._assets:
                self._fetch_assets()

    @work(exclusive=True, group="assets")
    async def _fetch_assets(self) -> None:
        options = self.query_one("#assets", OptionList)
        options.loading = True
        try:
            self._assets = list(await self._load_assets())
        except Exception as error:  # the reason reaches the user, never a crash
            self.query_one("#error", Label).update(
                Content(f"Could not load assets: {clean_line(str(error))}")
            )
            return
        finally:
            options.loading = False
        self._show_assets(self.query_one("#asset-search", Input).value)

    def _show_assets(self, query: str) -> None:
        needle = query.strip().casefold()
        self._shown = [
            asset
            for asset in self._assets
            if not needle
            or needle in (asset.name or "").casefold()
            or needle in (asset.language or "").casefold()
            or needle in (asset.text or "").casefold()
        ]
        options = self.query_one("#assets", OptionList)
        picked = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        options.add_options(
            Option(_asset_prompt(asset, needle), id=asset.id) for asset in self._shown
        )
        shown_ids = [asset.id for asset in self._shown]
        if picked in shown_ids:
            options.highlighted = shown_ids.index(picked)  # still shown: still picked
            return
        # Nothing is highlighted until the user goes to the list: Enter in the name field must
        # not create from the first asset, which nobody picked.
        if self._shown:
            self.query_one("#asset-preview", Static).update("Choose an asset: tab, then ↑ ↓.")
        else:
            text = "No assets match." if self._assets else "Pieces OS has no assets yet."
            self.query_one("#asset-preview", Static).update(text)

    @on(Input.Changed, "#asset-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._show_assets(event.value)

    @on(OptionList.OptionHighlighted, "#assets")
    def _preview(self, event: OptionList.OptionHighlighted) -> None:
        # Look the asset up by id: the message may arrive after the list was filtered again.
        asset = next((a for a in self._shown if a.id == event.option_id), None)
        if asset is None:
            return
        lines = clean_text(asset.text or "").splitlines()
        preview = "\n".join(lines[:PREVIEW_LINES])
        preview_widget = self.query_one("#asset-preview", Static)
        if not preview:
            preview_widget.update(Content("(empty asset)"))
            return
        shown = highlight(preview, language=clean_line(asset.language or "") or None)
        if len(lines) > PREVIEW_LINES:
            shown += Content.styled(f"\n… {len(lines) - PREVIEW_LINES} more lines", "dim italic")
        preview_widget.update(shown)

    @on(Input.Submitted, "#asset-search")
    def _search_submitted(self) -> None:
        options = self.query_one("#assets", OptionList)
        options.focus()
        if options.option_count and options.highlighted is None:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#assets")
    @on(Input.Submitted, "#name")
    @on(Button.Pressed, "#create")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip() or None
        if name is not None and len(name) > NAME_MAX_LENGTH:
            self._show_error(NAME_TOO_LONG)
            return
        if not self._from_asset:
            self._send(NewConversation(name=name))
            return
        options = self.query_one("#assets", OptionList)
        option = options.highlighted_option
        if option is None or option.id is None:
            self._show_error("Choose an asset to start from.")
            return
        self._send(NewConversation(name=name, asset_id=option.id))

    def _show_error(self, text: str) -> None:
        self.query_one("#error", Label).update(Content(text))

    @work(exclusive=True, group="create", exit_on_error=False)
    async def _send(self, request: NewConversation) -> None:
        button = self.query_one("#create", Button)
        button.disabled = True
        self._show_error("")
        try:
            await self._create(request)
        except PiecesError as error:
            text = clean_line(human_error("Could not create the conversation", error))
            self._show_error(text)
            # Also as a notification: it outlives the dialog if the user closes it.
            self.notify(text, severity="error")
            return
        finally:
            button.disabled = False
        self.dismiss(request)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
