"""Each person's inbox in the shared store: Zalo's deliveries in the order they came, each
applied once, by whichever worker drains it.

The webhook only appends (one locked read-write) and answers; a drain then applies the
events one by one under the person's drain lock. A delivery id seen before (Zalo retries
what was not acknowledged in 2 s) is not appended again. The record holds what people
typed, so it is sealed like the dialog, under a keyed hash of the person.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from contextlib import AbstractAsyncContextManager
from typing import Final

import msgspec

from bot.channels.zalo.events import Kind, ZaloEvent
from bot.keys import Sealer, Unsealable
from bot.state.store import StateStore

# Zalo retries within minutes; a day is ample, and outlasts the webhook's window for a
# signed event's timestamp (`Settings.zalo_event_window`), so that a replay meets one or the other
INBOX_TTL: Final = 24 * 60 * 60
SEEN_LIMIT: Final = 512  # delivery ids remembered per person
PENDING_LIMIT: Final = 200  # a person flooding the OA: the oldest surplus is dropped


class Queued(msgspec.Struct, frozen=True):
    seq: int
    kind: str
    text: str = ""
    phone: str = ""

    @property
    def event_kind(self) -> Kind:
        return Kind(self.kind)


class InboxRecord(msgspec.Struct):
    next_seq: int = 0
    seen: list[str] = msgspec.field(default_factory=list)
    pending: list[Queued] = msgspec.field(default_factory=list)


class Inbox:
    def __init__(self, store: StateStore, sealer: Sealer, digest_key: bytes) -> None:
        self._store = store
        self._sealer = sealer
        self._key = digest_key
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(InboxRecord)

    def _digest(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def inbox_key(self, person: str) -> str:
        return f"zalo:inbox:{person}"

    def drain_lock(self, person: str) -> AbstractAsyncContextManager[None]:
        """One drain at a time per person, across workers. Order and once-only come from
        applying the head only, with its sequence number checked under the conversation
        lock; this lock spares a burst's N drains from all contending for every event."""
        return self._store.lock(f"zalo:drain:{person}")

    async def append(self, person: str, event: ZaloEvent) -> bool:
        """Queue the event; False when this delivery was queued before (a retry)."""
        key = self.inbox_key(person)
        delivery = self._digest(event.delivery)
        async with self._store.hold([key]) as held:
            record = self._load(held.get(key))
            if delivery in record.seen:
                return False
            if record.next_seq == 0:  # increasing across a lost record too (see `seq`)
                record.next_seq = int(time.time() * 1000)
            record.next_seq += 1
            record.pending.append(
                Queued(record.next_seq, event.kind.value, event.text, event.phone)
            )
            record.pending = record.pending[-PENDING_LIMIT:]
            record.seen = [*record.seen, delivery][-SEEN_LIMIT:]
            held.put(key, self._dump(record), INBOX_TTL)
        return True

    async def head(self, person: str) -> Queued | None:
        """The oldest event not yet applied (read by the drain lock's holder)."""
        record = self._load(await self._store.load(self.inbox_key(person)))
        return record.pending[0] if record.pending else None

    async def done(self, person: str, seq: int) -> None:
        key = self.inbox_key(person)
        async with self._store.hold([key]) as held:
            record = self._load(held.get(key))
            record.pending = [q for q in record.pending if q.seq > seq]
            held.put(key, self._dump(record), INBOX_TTL)

    def _load(self, blob: bytes | None) -> InboxRecord:
        if blob is None:
            return InboxRecord()
        try:
            return self._decoder.decode(self._sealer.open(blob))
        except (Unsealable, msgspec.DecodeError):
            return InboxRecord()

    def _dump(self, record: InboxRecord) -> bytes:
        return self._sealer.seal(self._encoder.encode(record))
