"""What a channel is to the rest of regbot, and the row that plugs one into the app.

Adding a channel is its package (its `ENTRY`), one line in `bot.channels.registry`, its
settings and its catalog texts: the engine, the dialogs and the web app stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.config import Settings
from bot.engine.messages import Reply

if TYPE_CHECKING:
    from aiohttp import web

    from bot.bootstrap import Runtime


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
    """

    name: str
    enabled: Callable[[Settings], bool]
    web_app: Callable[[Settings], web.Application] | None
    open: Open
    pushes: bool
