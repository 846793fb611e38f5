"""Typed errors of the client layer. Callers never see raw httpx or websockets exceptions."""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "NotFound",
    "PiecesError",
    "PiecesUnavailable",
    "ProtocolError",
    "ServerError",
    "SignedOut",
    "UpdateRequired",
]


class PiecesError(Exception):
    """Base of every error the client layer raises."""


class PiecesUnavailable(PiecesError):
    """Pieces OS could not be reached: connection refused or reset, or the call timed out."""


class ServerError(PiecesError):
    """Pieces OS answered with an error status; `text` is the body it sent (plain text)."""

    def __init__(self, status: int, text: str, *, url: str = "") -> None:
        self.status = status
        self.text = text
        self.url = url
        detail = text.strip() or "no details"
        super().__init__(f"Pieces OS answered {status}: {detail[:500]}")


class BadRequest(ServerError):
    """A 4xx answer other than 404: Pieces OS refused what we sent."""


class NotFound(ServerError):
    """A 404: the conversation, message, asset or annotation does not exist (any more)."""


class SignedOut(ServerError):
    """A 401: Pieces OS is running but no one is signed in (it gates most reads on a user).

    Not the caller's fault and not permanent: retry later; it works once the user signs in from
    the Pieces desktop app. `notice` is the sentence to show."""

    notice = "Pieces OS is running but no one is signed in: sign in from the Pieces desktop app."


class UpdateRequired(ServerError):
    """A 593: Pieces OS says it must be updated before it answers this. `notice` names what is
    known; pair it with `compat.check_version` to name both versions."""

    notice = (
        "Pieces OS needs an update before it can answer: update it from the Pieces desktop app."
    )


class ProtocolError(PiecesError):
    """Pieces OS answered 2xx with a body we cannot use (not JSON, or not the expected shape)."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{message}: {detail}" if detail else message)
