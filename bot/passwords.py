"""Password hashing (argon2id): a password is hashed the moment it arrives."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError


class PasswordHasher:
    """argon2id with the library's recommended cost; "fast" is for tests and benchmarks."""

    def __init__(self, mode: str = "standard") -> None:
        if mode == "fast":
            self._hasher = _Argon2(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
        else:
            self._hasher = _Argon2(type=Type.ID)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    # argon2 takes ~0.2 s of CPU by design: off the event loop, so other turns go on.

    async def hash_async(self, password: str) -> str:
        return await asyncio.to_thread(self.hash, password)

    async def verify_async(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self.verify, password_hash, password)
