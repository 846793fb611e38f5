"""User settings kept between runs, in `config.json` at the XDG config path."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pieces_tui.paths import config_dir

log = logging.getLogger(__name__)

DEFAULT_THEME = "textual-dark"


@dataclass
class Settings:
    theme: str = DEFAULT_THEME
    export_folder: str | None = None
    """The folder the export dialog last wrote into (None: the current directory)."""
    list_cache: bool = True
    """Paint the list from its last snapshot at start (see `pieces_tui.state.snapshot`)."""
    last_url: str | None = None
    """The Pieces OS address discovery found last (whose snapshot to paint before it looks)."""
    sidebar_fraction: float = 0.33
    sidebar_hidden: bool = False
    utc_times: bool = False
    """Show times in UTC rather than the machine's zone (`--utc` does so for one run)."""
    undo_seconds: float = 5.0
    """How long a delete waits before it is sent (`u` undoes it meanwhile); 0 sends at once."""
    path: Path = field(default_factory=lambda: config_dir() / "config.json", compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read the settings; a missing or broken file gives the defaults (and a log line)."""
        settings = cls() if path is None else cls(path=path)
        try:
            raw = json.loads(settings.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return settings
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable settings file %s: %s", settings.path, error)
            return settings
        if isinstance(raw, dict) and isinstance(raw.get("theme"), str):
            settings.theme = raw["theme"]
        if isinstance(raw, dict) and isinstance(raw.get("export_folder"), str):
            settings.export_folder = raw["export_folder"]
        if isinstance(raw, dict) and isinstance(raw.get("list_cache"), bool):
            settings.list_cache = raw["list_cache"]
        if isinstance(raw, dict) and isinstance(raw.get("last_url"), str):
            settings.last_url = raw["last_url"]
        if isinstance(raw, dict):
            fraction = raw.get("sidebar_fraction")
            if isinstance(fraction, (int, float)) and not isinstance(fraction, bool):
                settings.sidebar_fraction = float(fraction)
            if isinstance(raw.get("sidebar_hidden"), bool):
                settings.sidebar_hidden = raw["sidebar_hidden"]
            if isinstance(raw.get("utc_times"), bool):
                settings.utc_times = raw["utc_times"]
        undo = raw.get("undo_seconds") if isinstance(raw, dict) else None
        if isinstance(undo, int | float) and not isinstance(undo, bool) and 0 <= undo <= 3600:
            settings.undo_seconds = float(undo)
        return settings

    def save(self) -> None:
        """Write atomically, so a crash never leaves half a file."""
        data = {key: value for key, value in asdict(self).items() if key != "path"}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".config-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, self.path)


@dataclass(frozen=True)
class Timings:
    """Network and UI timings, in seconds: one object handed to the app factory.

    The defaults suit a real Pieces OS; tests pass shorter ones so that a run of reconnects or
    timeouts takes seconds."""

    request_timeout: float = 10.0
    """Allowed for one request, and for opening the live stream."""
    retry_delay: float = 0.25
    """First delay before reconnecting or retrying; it doubles per failure up to `retry_cap`."""
    retry_cap: float = 10.0
    stream_keepalive: float = 5.0
    """Between pings on the live stream, and allowed for their answer."""
    detail_settle: float = 0.1
    """How long the highlight must rest, while it keeps moving, before the detail pane follows."""
