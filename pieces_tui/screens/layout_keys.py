"""The main screen's layout keys: `[` / `]` resize the sidebar, `\\` hides it, `z` maximises the
detail pane. The width is a fraction of the terminal (`state.layout`), applied on every resize and
remembered in the settings."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from pieces_tui.config import Settings
from pieces_tui.state.layout import SidebarLayout


class LayoutScreen(Screen[None]):
    """A screen with `#sidebar` beside `#detail`; `MainScreen` builds on it."""

    BINDINGS = [
        Binding("left_square_bracket", "narrower", "Narrower list", key_display="[", show=False),
        Binding("right_square_bracket", "wider", "Wider list", key_display="]", show=False),
        Binding("backslash", "toggle_sidebar", "Hide list", key_display="\\", show=False),
        Binding("z", "toggle_maximise", "Maximise pane", show=False),
    ]

    settings: Settings | None = None
    """Where the layout is remembered (the app sets it); None keeps it for this run only."""

    def __init__(self) -> None:
        super().__init__()
        self.layout_state = SidebarLayout()

    def remember_from(self, settings: Settings) -> None:
        """Start from, and from now on save to, `settings`."""
        self.settings = settings
        self.layout_state = SidebarLayout.from_saved(
            settings.sidebar_fraction, settings.sidebar_hidden
        )
        if self.is_mounted:
            self.apply_layout()

    def on_mount(self) -> None:
        self.apply_layout()  # before the first paint, not after it

    def on_resize(self, event: events.Resize) -> None:
        self.apply_layout()

    def apply_layout(self) -> None:
        sidebar = self.query_one("#sidebar", Widget)
        layout = self.layout_state
        sidebar.display = layout.shows_sidebar
        sidebar.styles.width = layout.sidebar_width(self.size.width)
        if (
            not layout.shows_sidebar
            and self.focused is not None
            and sidebar
            in (
                self.focused,
                *self.focused.ancestors,
            )
        ):
            self.set_focus(self.query_one("#detail", Widget))

    def _change(self, layout: SidebarLayout) -> None:
        self.layout_state = layout
        self.apply_layout()
        settings = self.settings
        if settings is None:
            return
        if (settings.sidebar_fraction, settings.sidebar_hidden) == (layout.fraction, layout.hidden):
            return
        settings.sidebar_fraction = layout.fraction
        settings.sidebar_hidden = layout.hidden
        try:
            settings.save()
        except OSError as error:
            self.notify(f"Could not save settings: {error}", severity="warning")

    def action_narrower(self) -> None:
        self._change(self.layout_state.narrower())

    def action_wider(self) -> None:
        self._change(self.layout_state.wider())

    def action_toggle_sidebar(self) -> None:
        self._change(self.layout_state.toggle_hidden())

    def action_toggle_maximise(self) -> None:
        self._change(self.layout_state.toggle_maximised())
