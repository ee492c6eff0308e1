"""The named edges of the dialog graph (goflow's router categories): what an action's
outcome or a picked option is called. A step declares where each of its exits leads;
the graph is checked at start-up (`bot.engine.graph.validate`), so an exit nobody
declared is a failed start, never an "internal error" in front of a person.

The values are also what a button sends back (Telegram callback data, Zalo payloads)."""

from __future__ import annotations

from enum import StrEnum


class Exit(StrEnum):
    # outcomes of actions
    OK = "ok"  # the step's work is done: go on
    DUPLICATE = "duplicate"  # an account already holds this ID number / tax code
    NOT_VERIFIED = "not_verified"  # a register did not confirm the details
    NO_PHONE = "no_phone"  # the BHXH record has no phone to send a code to
    FAILED = "failed"  # a signature was refused or did not come
    STOPPED = "stopped"  # a limit stops the flow for now
    RESENT = "resent"  # a new SIM signature request went out
    NEW = "new"  # a new signing link was issued
    MISMATCH = "mismatch"  # the two passwords differ
    TOO_MANY = "too_many"  # they differed too often: this dialog's password step is over
    RETYPE_ID = "retype_id"  # a changed birth date no longer fits the ID number kept
    # options a person picks
    CONFIRM = "confirm"
    EDIT = "edit"
    REGISTER = "register"
    CHANGE_EMAIL = "change_email"
    CHECK = "check"  # "I have signed": read the signature's outcome
    RESEND = "resend"
    OTHER_PHONE = "other_phone"
    GET_LINK = "get_link"
    NEW_LINK = "new_link"
    SMS = "sms"  # send the signing link by SMS
    USE_CALLER = "use_caller"  # use the number the channel vouches for (or calls from)
    OTHER_METHOD = "other_method"
    MOBILE = "mobile"  # register by mobile subscriber instead
    LANGUAGE = "language"
    # "Sửa thông tin": which field to change
    FULL_NAME = "full_name"
    BIRTH_DATE = "birth_date"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    EMAIL = "email"
    BHXH_CODE = "bhxh_code"
    SUMMARY = "summary"  # nothing to change: back to the summary
    # the ways out, offered at dead ends and on the first screen
    HOME = "home"
    OTHER_WAYS = "other_ways"
    FORGOT = "forgot"
