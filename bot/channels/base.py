"""What a channel is to the rest of regbot, and the row that plugs one into the app.

Adding a channel is its package (its `ENTRY`), one line in `bot.channels.registry`, its
settings and its catalog texts: the engine, the dialogs and the web app stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

from aiohttp import web

from bot.config import Settings
from bot.engine.messages import Reply

if TYPE_CHECKING:
    from bot.bootstrap import Runtime

SELF_URL: Final = web.AppKey("self_url", str)
"""On the root app: how this process reaches itself (the base of its mounted `/sim`)."""


class Channel(Protocol):
    """A way people reach regbot."""

    @property
    def name(self) -> str: ...


@runtime_checkable
class PushingChannel(Channel, Protocol):
    """A channel that can reach a person outside their turn (USSD cannot: what happens
    meanwhile waits for the person's next screen)."""

    async def push(self, user_id: str, reply: Reply) -> None:
        """Send a reply outside the person's turn (a signature arrived, an agent wrote)."""
        ...


Open = Callable[["web.Application", "Runtime"], AbstractAsyncContextManager["Channel | None"]]
WebApp = Callable[[Settings], web.Application]
Simulator = Callable[[Settings, str], "web.Application | None"]  # (settings, self URL)


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    """One row of the channel list.

    Attributes:
        name: the channel, as it appears in conversation keys, metrics and the console.
        enabled: whether the settings switch it on (USSD always; Telegram with a token).
        web_app: its aiohttp sub-app, mounted at `/{name}` (None: no HTTP surface).
        open: its lifecycle while the app runs, given the app (for its keys) and the
            runtime; yields the channel (None when it could not start), registered for
            pushes when it can push.
        pushes: whether it can reach a person outside their turn (its channel is then a
            PushingChannel).
        pages: other sub-apps it serves, by path (Zalo's `/secret` password page).
        simulator: its platform's simulator, mounted at `/sim/{name}` unless it returns
            None (never in production).
    """

    name: str
    enabled: Callable[[Settings], bool]
    web_app: WebApp | None
    open: Open
    pushes: bool
    pages: tuple[tuple[str, WebApp], ...] = ()
    simulator: Simulator | None = None
