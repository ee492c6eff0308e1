"""Registration at Vietnam Post (guide, first lines: "Công dân có thể đăng ký bằng ...
Bưu điện Việt Nam"): a counter registers the citizen, so the chat only says what to
bring and that the counter does the rest."""

from __future__ import annotations

from enum import StrEnum

from bot.accounts.model import AccountKind
from bot.dialogs.common import ways_out_step
from bot.engine.spec import Dialog, Method
from bot.i18n import msg


class PostOfficeStep(StrEnum):
    INFO = "post_office.info"


def post_office_dialog() -> Dialog:
    return Dialog(
        name="post_office",
        steps=(
            ways_out_step(
                PostOfficeStep.INFO, msg("post_office.info"), msg("post_office.info_help")
            ),
        ),
        methods=(
            Method(
                "post_office",
                msg("method.post_office"),
                kinds=(AccountKind.CITIZEN,),
                entry=PostOfficeStep.INFO,
            ),
        ),
    )
