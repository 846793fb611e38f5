"""Typeahead: keys typed straight after the one that opens something land in what it opened.

One terminal read (a paste, a fast typist, a laggy SSH link) can hold `/go` or `nQuick name`.
Textual forwards every key to the widget focused when the app reads it, and runs a screen's
binding only once the key has bubbled back up through the widgets' queues: by then `go` has gone
to the list. So the app resolves the non-priority bindings itself, in its own queue, before the
next key is looked at:

- a key the focused widget may consume (a printable key in an `Input`) goes to that widget;
- a key bound in the focus chain runs its action at once (`/` focuses the filter now);
- while a dialog is being pushed (`hold`), keys wait, in order, until it has its focus
  (`KeysReady`), then go to it as if typed there. A hold never outlives `HOLD_LIMIT`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.timer import Timer
    from textual.widget import Widget

HOLD_LIMIT = 2.0
"""Seconds after which held keys go wherever the focus is, should a dialog never say ready."""


class KeysReady(Message):
    """Posted to the app by a screen once it has focused where typed keys belong."""


class Typeahead:
    """The app's key gate. `take` is called from `App.on_event` for every key not yet forwarded."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._held: list[events.Key] = []
        self._timer: Timer | None = None
        self.holding = True
        """Until the first screen is ready: keys typed while the app starts wait for it."""

    def hold(self) -> None:
        """Keep keys back until the next `KeysReady` (a dialog is being pushed)."""
        self.holding = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._app.set_timer(HOLD_LIMIT, self._expired)

    async def _expired(self) -> None:
        self._timer = None
        await self.release()

    async def take(self, event: events.Key) -> bool:
        """Handle `event` here (held, or its binding run); False lets Textual forward it."""
        if self.holding:
            self._held.append(event)
            return True
        app = self._app
        active = app.screen.active_bindings.get(event.key)
        if active is None or active.binding.priority or not active.enabled:
            return False
        focused = app.focused
        if focused is not None and focused.check_consume_key(event.key, event.character):
            return False
        event.stop()
        await app.run_action(active.binding.action, active.node)
        return True

    async def release(self) -> None:
        """Deliver the held keys in order; stop early if one of them holds again."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.holding = False
        while self._held and not self.holding:
            await self._app.on_event(self._held.pop(0))  # priority bindings, then `take`

    @property
    def held(self) -> int:
        return len(self._held)


def hold_keys(app: App[Any]) -> None:
    """Before pushing a dialog: keys typed from now on wait for it (see `keys_ready`)."""
    gate = getattr(app, "typeahead", None)
    if isinstance(gate, Typeahead):
        gate.hold()


def keys_ready(screen: Screen[Any], widget: Widget) -> None:
    """Focus `widget` at once (not queued behind keys, as `focus()` is) and let held keys go."""
    screen.set_focus(widget)
    screen.app.post_message(KeysReady())
