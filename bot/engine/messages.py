"""What crosses between channels and the engine: typed, channel-agnostic messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from bot.i18n import Msg


class Action(StrEnum):
    """What a person did, as a channel understood it."""

    TEXT = "text"  # typed text (or a numbered choice typed as text)
    CHOOSE = "choose"  # pressed an option button: `choice` holds the option key
    BACK = "back"  # go back one step; what was typed is kept
    HELP = "help"  # explain the current step
    CANCEL = "cancel"  # stop and delete the personal data of this dialog
    HOME = "home"  # back to the first screen (data of the dialog deleted)
    SHOW = "show"  # show the current screen again (resume after a dropped session)
    LANGUAGE = "language"  # switch language: `text` holds "vi" or "en"
    RESUME = "resume"  # an event outside the person's turn reached their waiting step


@dataclass(frozen=True, slots=True)
class Inbound:
    """One input from a person on a channel."""

    channel: str
    user_id: str
    text: str = ""
    action: Action = Action.TEXT
    choice: str | None = None
    lang: str | None = None  # language for a new session (e.g. from the client's locale)
    # The number the person calls from (USSD), E.164: the phone itself is busy with the
    # call, so it cannot show a signing SIM's request until the call ends.
    caller: str | None = None
    # A number the channel vouches is the person's own (Zalo's shared phone, Telegram's
    # shared contact), E.164: offered as "use this number"; nobody calls from it.
    vouched_phone: str | None = None

    def __post_init__(self) -> None:
        if not self.text.isascii():
            object.__setattr__(self, "text", well_formed(self.text))


def well_formed(text: str) -> str:
    """`text` with each lone UTF-16 surrogate (`\\udcff` in a JSON body, bytes a decoder
    kept) as U+FFFD: a symbol like any other to the validators, and no later step - the
    transcript's encryption, a log line, the store - meets text that cannot be written."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


@dataclass(frozen=True, slots=True)
class Resume:
    """Something that happened outside a person's turn and continues their dialog if
    they still wait at `at_step` (goflow's "resume"). Channels push the reply it gives."""

    channel: str
    user_id: str
    at_step: str


@dataclass(frozen=True, slots=True)
class SignatureArrived(Resume):
    """A SIM answered the signature request, or a USB token's signature was posted."""


@dataclass(frozen=True, slots=True)
class AgentEvent:
    """A support agent acting on a person's conversation, outside the person's turn. The
    engine applies it to the person's record; the reply it gives goes out through the
    channel's push, or, where the channel cannot push (USSD), waits in the record and
    comes first on the person's next screen."""

    channel: str
    user_id: str
    agent: str  # the agent's name, for the record


@dataclass(frozen=True, slots=True)
class AgentMessage(AgentEvent):
    """The agent writes to the person."""

    text: str = ""


@dataclass(frozen=True, slots=True)
class TakeOver(AgentEvent):
    """The bot pauses; what the person types goes to the agent."""


@dataclass(frozen=True, slots=True)
class HandBack(AgentEvent):
    """The bot resumes at the step where it paused."""


@dataclass(frozen=True, slots=True)
class ResetConversation(AgentEvent):
    """The person's dialog starts again from the first screen (its data deleted)."""


@dataclass(frozen=True, slots=True)
class Option:
    """A numbered option of a reply: `key` is what a button sends back."""

    key: str
    label: Msg


# Reply hints: what a channel may do about the screen it renders.
SECRET_CONSUMED: Final = "secret_consumed"  # the input was a password or OTP: delete it
PASSWORD_ENTRY: Final = "password_entry"  # the next input is a password to set
PHONE_ENTRY: Final = "phone_entry"  # the next input is the person's phone number


@dataclass(frozen=True, slots=True)
class Reply:
    """What the engine answers; channels render it (Telegram keyboard, USSD menu, console)."""

    texts: tuple[Msg, ...]
    options: tuple[Option, ...] = ()
    lang: str = "vi"
    step: str = ""
    end: bool = False  # the conversation is over
    sensitive: bool = False  # the next input is a secret: do not echo, delete if possible
    can_go_back: bool = False
    hints: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A Reply turned into text for one channel."""

    texts: tuple[str, ...]
    options: tuple[tuple[str, str], ...]  # (key, label)
    end: bool
    sensitive: bool
