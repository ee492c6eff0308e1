"""One-time links (signing, Zalo's password page) are kept the same way: the store sees a
keyed hash, never the token, and holds the record encrypted; a record that is not ours
reads as no link at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet

from bot.state.links import KEEP_AFTER_EXPIRY, OneTimeLinks
from bot.state.memory import MemoryStore


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    expires_at: float


class Notes(OneTimeLinks[Note]):
    prefix = "note:"

    def decode(self, payload: dict[str, Any]) -> Note:
        return Note(**payload)


def links(store: MemoryStore, key: bytes = b"k" * 32) -> Notes:
    return Notes(store, Fernet(Fernet.generate_key()), key)


async def test_the_store_holds_neither_the_token_nor_the_record_in_clear() -> None:
    store = MemoryStore()
    notes = links(store)
    token, link_id = notes.new_token()
    note = Note("Nguyễn Văn An", notes.expiry())
    await notes.save(link_id, note)
    assert await notes.by_token(token) == note
    assert token not in link_id and link_id.startswith("note:")
    blob = await store.load(link_id)
    assert blob is not None and b"Nguy" not in blob and token.encode() not in blob


async def test_a_record_sealed_with_another_key_or_garbled_reads_as_no_link() -> None:
    store = MemoryStore()
    mine, theirs = links(store), links(store)  # same token key, another Fernet key
    token, link_id = theirs.new_token()
    await theirs.save(link_id, Note("x", theirs.expiry()))
    assert await mine.by_token(token) is None
    await store.save(link_id, b"not a token", 60)
    assert await mine.by_id(link_id) is None
    assert await mine.by_token("never-issued") is None


async def test_a_used_or_expired_link_is_kept_an_hour_to_say_so() -> None:
    store = MemoryStore()
    notes = links(store)
    token, link_id = notes.new_token()
    await notes.save(link_id, Note("x", notes.clock() - 1))  # already expired
    assert await notes.by_token(token) is not None  # still there to answer "expired"
    assert KEEP_AFTER_EXPIRY == 3600
