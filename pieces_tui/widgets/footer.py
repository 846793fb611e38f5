"""Textual's `Footer`, rebuilt only when the keys it shows change.

The stock footer recomposes (a new `FooterKey` widget per key, each styled) after every
`bindings_updated` signal, one recompose per signal: the screen sends one on every focus move, on
every screen push and pop, and whenever a widget calls `refresh_bindings()`. At start-up that
was five rebuilds of the same keys between the first frame and a loaded list (about 100 ms each
on a loaded 2-core machine, on the loop the bulk load needs). This one asks once per refresh,
and rebuilds only when a key, its label or whether it is enabled differs from what is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer as TextualFooter

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen

__all__ = ["Footer"]


class Footer(TextualFooter):
    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._asked = False
        self._shown: tuple[tuple[Binding, bool, str, str], ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._asked:
            self._asked = True  # signals until the next refresh are answered by this one
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._asked = False
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()

    def _keys_shown(self) -> tuple[tuple[Binding, bool, str, str], ...]:
        """Everything `compose` reads of the bindings (a `Binding` compares by its fields)."""
        display = self.app.get_key_display
        return tuple(
            (binding, enabled, tooltip, display(binding))
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
        )
