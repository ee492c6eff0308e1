"""Where a person's state lives: the one place that documents the key format.

Every key a store holds for a person names them by a keyed hash, never by the user id
itself (a phone number on USSD, a chat id on Telegram):

    {prefix}state:{channel}:{person}   the conversation record: the dialog and the
                                       channels' slots (e.g. the USSD screen), sealed
    {prefix}lock:{channel}:{person}    the person's lock while a turn runs
    {prefix}count:{limit}:{subject}    rate-limit counters (`bot.dialogs.limits`)
    {prefix}state:signlink:{token}     one-time signing links (`bot.signing.links`);
    {prefix}state:secretlink:{token}   Zalo's password links - `{token}` is a keyed hash
                                       of the token (`bot.state.links`)
    {prefix}state:zalo:inbox:{person}  Zalo deliveries waiting to be applied, sealed;
    {prefix}lock:zalo:drain:{person}   the worker applying them (`bot.channels.zalo.inbox`)

Not a person's: `state:zalo:tokens:{app_id}` (the OA's access pair, encrypted) and
`count:zalo:sends:{second}` (the OA's send rate).

`{prefix}` is the store's (`regbot:` by default); `{person}` is
HMAC-SHA256(tokens key, "session {channel}:{user_id}"), hex, first 32 characters.

The conversation key `{channel}:{person}` also names the conversation in the support
console's tables. The phones and ID numbers a conversation carries (typed into a dialog,
or the caller's number) are indexed by `lookup`: HMAC-SHA256(tokens key,
"lookup {kind}:{value}"), hex - so an agent finds a conversation by the number the
caller gives, and no number is stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StateKey:
    """Whose conversation: the channel and the person's id on it (chat id, caller number)."""

    channel: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.user_id}"


class KeyBuilder:
    """Builds the store key of a person's conversation (see the module docstring)."""

    def __init__(self, tokens_key: bytes) -> None:
        self._key = tokens_key

    def conversation(self, key: StateKey) -> str:
        purpose = f"session {key}".encode()
        digest = hmac.new(self._key, purpose, hashlib.sha256).hexdigest()
        return f"{key.channel}:{digest[:32]}"

    def lookup(self, kind: str, value: str) -> str:
        """The keyed hash a conversation is found by: `kind` is "phone" (E.164) or "id"
        (an ID number, normalised: digits and upper-case letters only)."""
        purpose = f"lookup {kind}:{value}".encode()
        return hmac.new(self._key, purpose, hashlib.sha256).hexdigest()
