"""The main screen's writes: new, rename, delete (with undo), star, export, and the marks.

`WritesScreen` is `MainScreen`'s base, as `FindScreen` is: each write is one flow that reads top
to bottom (the dialog, the request, the store). What it needs of the main screen (the list, the
store, the pane, the bulk actions, patching the list now) is declared here and defined there;
the keys themselves stay in `MainScreen.BINDINGS` (their order is the footer's).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.screen import Screen

from pieces_tui.client import NotFound
from pieces_tui.labels import UNTITLED
from pieces_tui.state.problems import why
from pieces_tui.typeahead import hold_keys
from pieces_tui.widgets.conversation_list import ConversationList

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient
    from pieces_tui.client.models import Conversation
    from pieces_tui.config import Settings
    from pieces_tui.screens.bulk import BulkActions
    from pieces_tui.screens.new_conversation import NewConversation
    from pieces_tui.screens.pane import Pane
    from pieces_tui.screens.search_panel import SearchPanel
    from pieces_tui.state.store import ConversationStore

__all__ = ["WritesScreen"]


class WritesScreen(Screen[None]):
    """The writing half of `MainScreen`."""

    if TYPE_CHECKING:
        store: ConversationStore
        conversation_list: ConversationList
        search_panel: SearchPanel
        bulk: BulkActions
        pane: Pane
        settings: Settings

        @property
        def client(self) -> PiecesClient | None: ...
        @property
        def searching(self) -> bool: ...
        def _store_changed(self) -> None: ...

    def _highlighted_target(self) -> tuple[str, str | None] | None:
        conversation_id = self.conversation_list.highlighted_id
        if conversation_id is None:
            self.notify("No conversation is highlighted.", severity="warning")
            return None
        summary = self.store.get(conversation_id)
        return conversation_id, summary.name if summary is not None else None

    def _connected(self) -> PiecesClient | None:
        if self.client is None:
            self.notify("Not connected to Pieces OS yet.", severity="warning")
        return self.client

    # -- new and rename ----------------------------------------------------------------------------
    # Dialogs are pushed at once, typed-ahead keys held for them; they send their own request (and
    # stay open with the reason when it fails). Each is imported when first opened: the first
    # frame needs none of them (tests/test_deferred_imports.py).

    def action_new_conversation(self) -> None:
        client = self._connected()
        if client is None:
            return

        async def create(request: NewConversation) -> None:
            if request.asset_id is not None:
                created = await client.create_from_asset(request.asset_id, name=request.name)
            else:
                created = await client.create_conversation(name=request.name)
            self._created(created)

        from pieces_tui.screens.new_conversation import NewConversationScreen

        hold_keys(self.app)
        self.app.push_screen(
            NewConversationScreen(lambda: client.assets(transferables=True), create)
        )

    def _created(self, created: Conversation) -> None:
        # The stream announces it too; upserting now makes it show without waiting for that.
        self.store.upsert(created)
        self._store_changed()  # the list has the row now, so it can take the highlight
        name = created.name or UNTITLED
        self.conversation_list.highlight(created.id)
        if self.conversation_list.highlighted_id == created.id:
            self.notify(f"Created “{name}”.", title="Created")
        else:
            self.notify(
                f"Created “{name}”; the filter hides it (esc clears the filter).",
                title="Created",
            )

    def action_rename_conversation(self) -> None:
        target = self._highlighted_target()
        client = self._connected()
        if target is None or client is None:
            return
        conversation_id, name = target

        async def rename(new_name: str) -> None:
            try:
                renamed = await client.rename_conversation(conversation_id, new_name)
            except NotFound as error:
                # Deleted elsewhere (or a row of the saved list the server no longer has): there
                # is nothing left to rename, so the dialog closes and the row goes.
                self.store.remove(conversation_id)
                self.notify(
                    f"Could not rename: it was already deleted elsewhere ({why(error)})",
                    severity="warning",
                )
                return
            self.store.upsert(renamed)
            self.notify(f"Renamed to “{new_name}”.", title="Renamed")

        from pieces_tui.screens.rename import RenameScreen

        hold_keys(self.app)
        self.app.push_screen(RenameScreen(name, rename))

    # -- delete and undo ---------------------------------------------------------------------------

    @work(group="writes", exit_on_error=False)
    async def action_delete_conversation(self) -> None:
        """The marked rows (or the highlighted one): ask once, then out of view at once; the
        requests go when the undo window closes (`BulkActions`, `state.deletes`)."""
        await self.conversation_list.sync_marks()  # `space space d` typed in one go
        ids = await self.bulk.confirm_delete()
        if not ids:
            return
        open_id = self.pane.conversation_id if self.pane.conversation_id in ids else None
        if open_id is not None:
            self._expect_removal(open_id)
        self.bulk.schedule_delete(ids)
        self._store_changed()  # while the pane still expects it
        if open_id is not None:
            self._expect_removal(open_id, expected=False)

    def _expect_removal(self, conversation_id: str, *, expected: bool = True) -> None:
        pane = self.pane
        if pane.conversation_id != conversation_id:
            return
        if expected and pane.mode == "open":
            self.pane = replace(pane, mode="deleting")
        elif not expected and pane.mode == "deleting":
            self.pane = replace(pane, mode="open")

    def action_undo_delete(self) -> None:
        batch = self.bulk.undo()
        if batch is not None:
            self._store_changed()  # the rows are back in the list: one of them takes the highlight
            self.conversation_list.highlight(batch.ids[0])

    # -- marks (what a delete acts on) -------------------------------------------------------------

    @on(ConversationList.MarkToggled)
    def _mark_toggled(self, event: ConversationList.MarkToggled) -> None:
        self.bulk.toggle(event.conversation_id)

    @on(ConversationList.MarksSynced)
    def _marks_synced(self, event: ConversationList.MarksSynced) -> None:
        event.done.set()

    @on(ConversationList.RangeExtended)
    def _range_extended(self, event: ConversationList.RangeExtended) -> None:
        self.bulk.extend(event.conversation_id, event.origin)

    # -- star and export ---------------------------------------------------------------------------

    @work(group="favorites", exit_on_error=False)
    async def action_toggle_favorite(self) -> None:
        """Star or unstar the highlighted conversation (of the results, in search mode); with
        rows marked, all of them (`BulkActions.favorite`: one summary)."""
        if self.searching and self.focused is self.search_panel.results:
            conversation_id = self.search_panel.results.highlighted_id
        else:
            await self.conversation_list.sync_marks()  # `space space f` typed in one go
            if self.bulk.marks:
                await self.bulk.favorite()
                return
            conversation_id = self.conversation_list.highlighted_id
        client = self._connected()
        if conversation_id is None or client is None:
            return
        from pieces_tui.screens.favorites import toggle_favorite

        problem = await toggle_favorite(client, self.store, conversation_id)
        if problem is not None:
            self.notify(problem, severity="error", markup=False)

    def export_ids(self) -> list[str]:
        """What `e` exports: the highlighted conversation (the marked ones, once marks exist)."""
        target = self._highlighted_target()
        return [] if target is None else [target[0]]

    def action_export(self) -> None:
        ids, client = self.export_ids(), self._connected()
        if ids and client is not None:
            from pieces_tui.screens.export import ExportScreen  # and its renderers: only now

            names = [s.name if (s := self.store.get(i)) is not None else None for i in ids]
            self.app.push_screen(ExportScreen(client, ids, names, self.settings))
