"""What the commands share: one-line errors, exit codes, the connection, safe output."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn

from pieces_tui.client import (
    BadRequest,
    NotFound,
    PiecesClient,
    PiecesError,
    PiecesUnavailable,
    discover,
)
from pieces_tui.client.discovery import DEFAULT_PORTS, ENV_VAR, LEGACY_URL
from pieces_tui.sanitize import clean_line

__all__ = [
    "EXIT_CODES_HELP",
    "CommandError",
    "OneLineParser",
    "add_url_option",
    "connect",
    "fail",
    "run_async",
    "write_out",
]

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3
EXIT_SERVER = 4
EXIT_WRITE = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = f"""\
exit codes:
  {EXIT_OK}    success
  {EXIT_NOT_FOUND}    not found: no conversation with that id
  {EXIT_BAD_INPUT}    bad input: a wrong option or value (or Pieces OS refused the request)
  {EXIT_UNREACHABLE}    Pieces OS unreachable: nothing found, connection refused or timed out
  {EXIT_SERVER}    Pieces OS answered an error or something unreadable
  {EXIT_WRITE}    cannot write the output files
  {EXIT_INTERNAL}   internal error (a bug in pieces-tui: please report it)
  {EXIT_INTERRUPTED}  interrupted (ctrl+c)
Errors are one line on stderr, starting with the command name."""

URL_HELP = (
    f"Pieces OS address, e.g. http://127.0.0.1:39300 (default: ${ENV_VAR}, else the first of "
    f"127.0.0.1:{DEFAULT_PORTS.start}-{DEFAULT_PORTS.stop - 1} and {LEGACY_URL} that answers)"
)
_MAX_MESSAGE = 300


class CommandError(Exception):
    """Ends a command with one line on stderr and `code`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OneLineParser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (and exit code 2) instead of usage + error."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", EXIT_CODES_HELP)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        fail(self.prog, CommandError(EXIT_BAD_INPUT, f"{message} (see --help)"))


def add_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=URL_HELP)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return value


def fail(prog: str, error: CommandError) -> NoReturn:
    message = clean_line(error.message)
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(error.code)


def write_out(text: str) -> None:
    """Text on stdout; already cleaned by the caller."""
    sys.stdout.write(text)


async def connect(url: str | None) -> PiecesClient:
    """A client on `url`, `$PIECES_OS_URL` or the Pieces OS that discovery finds (as the app)."""
    if url is not None and not url.strip().lower().startswith(("http://", "https://")):
        raise CommandError(EXIT_BAD_INPUT, f"--url must start with http:// or https://: {url!r}")
    found = await discover(url)
    if found is None:
        raise CommandError(
            EXIT_UNREACHABLE,
            f"no Pieces OS found on 127.0.0.1:{DEFAULT_PORTS.start}-{DEFAULT_PORTS.stop - 1} "
            f"or {LEGACY_URL}; start Pieces OS, or give --url or ${ENV_VAR}",
        )
    return PiecesClient(found)


def error_for(error: PiecesError, what: str = "") -> CommandError:
    """The exit code and line for a client error; `what` names the object for a 404."""
    if isinstance(error, NotFound):
        return CommandError(EXIT_NOT_FOUND, what or str(error))
    if isinstance(error, PiecesUnavailable):
        return CommandError(EXIT_UNREACHABLE, str(error))
    if isinstance(error, BadRequest):
        return CommandError(EXIT_BAD_INPUT, str(error))
    return CommandError(EXIT_SERVER, str(error))


def run_async(prog: str, command: Callable[[], Awaitable[int]]) -> int:
    """Run a command's coroutine; every failure becomes one line on stderr and an exit code."""
    _quiet_output_errors()
    try:
        code = asyncio.run(_guarded(command))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except CommandError as error:
        fail(prog, error)
    except KeyboardInterrupt:
        fail(prog, CommandError(EXIT_INTERRUPTED, "interrupted"))
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK  # `pieces-tui list | head`: the reader has all it wanted
    except Exception as error:  # the promise is "no traceback, ever"
        fail(prog, CommandError(EXIT_INTERNAL, f"internal error: {type(error).__name__}: {error}"))


async def _guarded(command: Callable[[], Awaitable[int]]) -> int:
    try:
        return await command()
    except PiecesError as error:
        raise error_for(error) from error


def _quiet_output_errors() -> None:
    # A name the output encoding cannot hold (LANG=C) shows as `?`, not as a crash.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
