"""Setting the password (guide step 5): typed twice under the guide's rules, hashed once
on arrival in the bounded pool, a mismatch compared by keyed digest, five tries."""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from bot.dialogs.common import (
    OTHER_WAYS_CHOICE,
    START_AGAIN_CHOICE,
    Entry,
)
from bot.dialogs.draft import PasswordEntry
from bot.dialogs.exits import Exit
from bot.dialogs.ports import PasswordHashing
from bot.engine.spec import STAY, Act, Choice, Outcome, Step, StepContext, act
from bot.i18n import Msg, msg
from bot.passwords import HashingBusy, new_salt
from bot.validation import check_password

# Confirmations checked per dialog. A mismatch costs no argon2id (a keyed digest is
# compared), so the limit is not about CPU but about a dialog that cannot end: five is
# more than honest typos take - feature-phone keypads included - and each try says how
# many are left. Past it the person starts again (a new OTP, which the OTP limits bound)
# or leaves.
PASSWORD_ATTEMPTS: Final = 5


def _check_password(text: str, ctx: StepContext) -> str:
    """The guide's rules; the password itself is never stored (no field), only a digest."""
    person = ctx.draft.person
    phone = person.phone or (ctx.draft.otp.phone if ctx.draft.otp else None)
    return check_password(text, id_number=person.id_number, phone=phone)


def password_steps(
    names: tuple[StrEnum, StrEnum, StrEnum],
    hashing: PasswordHashing,
    finish: Act,
    after: Mapping[str, StrEnum],
    *,
    too_many: Msg | None = None,
    again: tuple[Choice, StrEnum, Msg] | None = None,
) -> tuple[Step, Step, Step]:
    """Guide step 5: password, its confirmation, and where too many mismatches lead;
    `finish` creates the account (or sets the password), its exits lead as `after` says.
    `too_many` and `again` (the option that starts over, where it leads, its help) are a
    registration's unless given: a password reset starts the reset again, not a
    registration.

    The first entry keeps a keyed digest (`hashing.digest`, salted per entry); the
    confirmation is compared with it, and argon2id runs once, when they match - in the
    bounded pool, whose full queue keeps the person at the confirmation with "try again
    in a moment". The hash is salted by the entry, so a final turn replayed after a lost
    save hashes to the same value (and `Registrations` finds its own account).
    """
    first_name, second_name, stopped_name = names

    @act(Exit.OK)
    async def keep_first_entry(ctx: StepContext, password: Any) -> Outcome:
        salt = new_salt()
        ctx.draft.password_entry = PasswordEntry(salt, hashing.digest(salt, str(password)))
        ctx.draft.password_hash = None  # a new password: a new hash once it is confirmed
        return Outcome()

    @act(Exit.MISMATCH, Exit.TOO_MANY, *finish.exits)
    async def confirm(ctx: StepContext, typed: Any) -> Outcome:
        draft, entry = ctx.draft, ctx.draft.password_entry
        typed_digest = hashing.digest(entry.salt, str(typed)) if entry else b""
        matched = entry is not None and hmac.compare_digest(typed_digest, entry.digest)
        if matched and draft.password_hash is not None:
            # the same confirmation again after `finish` met a failing system ("try
            # again"): its hash is made and its try counted, the fifth one too
            return await finish(ctx, None)
        if draft.password_attempts >= PASSWORD_ATTEMPTS:
            return Outcome(Exit.TOO_MANY)
        if entry is None or not matched:
            draft.password_attempts += 1
            draft.password_entry = None
            left = PASSWORD_ATTEMPTS - draft.password_attempts
            if not left:
                return Outcome(Exit.TOO_MANY)
            return Outcome(Exit.MISMATCH, msg("password.mismatch", tries=left))
        if draft.password_hash is None:
            try:
                draft.password_hash = await hashing.hash(str(typed), entry.salt)
            except HashingBusy:
                return Outcome(STAY, msg("password.busy"))
            draft.password_attempts += 1
        return await finish(ctx, None)

    first = Step(
        name=first_name,
        prompt=msg("password.prompt"),
        help=msg("password.help"),
        parse=_check_password,
        act=keep_first_entry,
        next={Exit.OK: second_name},
        sensitive=True,
        checkpoint=True,
        password=True,
    )
    second = Step(
        name=second_name,
        prompt=msg("password.confirm_prompt"),
        help=msg("password.help"),
        # the same NFC as the first entry: a keyboard typing decomposed accents
        # (Unikey's "Unicode tổ hợp") must be able to confirm its own password
        parse=lambda text, ctx: unicodedata.normalize("NFC", text),
        act=confirm,
        next={Exit.MISMATCH: first_name, Exit.TOO_MANY: stopped_name, **after},
        sensitive=True,
        password=True,
    )
    start_again, start_again_to, stopped_help = again or (
        START_AGAIN_CHOICE,
        Entry.START,
        msg("password.too_many_help"),
    )
    stopped = Step(
        name=stopped_name,
        prompt=too_many or msg("password.too_many", tries=PASSWORD_ATTEMPTS),
        help=stopped_help,
        choices=(start_again, OTHER_WAYS_CHOICE),
        next={start_again.key: start_again_to, Exit.OTHER_WAYS: Entry.OTHER_WAYS},
        checkpoint=True,
    )
    return first, second, stopped
