"""Every screen of every dialog, in both languages, as a feature phone shows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from bot.accounts.model import AccountKind, IdType
from bot.channels.ussd.screen import (
    PAGE_LIMIT,
    SCREEN_LIMIT,
    as_shown,
    paginate,
    reply_lines,
    reply_pages,
)
from bot.dialogs.draft import Checked, Draft, OtpState, PersonDraft, SignatureDraft, SignedIdentity
from bot.engine.graph import START_STEP
from bot.engine.messages import Reply
from bot.engine.spec import Step, StepContext
from bot.engine.view import screen
from bot.i18n import LANGUAGES, Msg, Translator, msg
from bot.state.session import DialogSession
from tests.support.fakes import fake_world

TRANSLATOR = Translator.load()
DIALOGS = fake_world().runtime.engine.graph.dialogs


def _sample() -> Draft:
    """What a person typed by the time each step shows: every field any dialog reads."""
    return Draft(
        kind=AccountKind.CITIZEN,
        person=PersonDraft(
            full_name="Nguyen Thi Ngoc Anh Phuong",
            birth_date=date(1990, 5, 17),
            id_number="001090012345",
            phone="+84912345678",
            email="nguyen.thi.ngoc.anh@example.com",
            bhxh_code="0123456789",
        ),
        otp=OtpState("+84912345678", "digest", "salt", 0.0),
        signature=SignatureDraft(
            sim_code="1234",
            link_url="https://dichvucong.example/sign/" + "x" * 32,
            certified=SignedIdentity(
                AccountKind.CITIZEN,
                IdType.CCCD,
                "001090012345",
                "Nguyen Thi Ngoc Anh Phuong",
                "VNPT-CA",
                date(2027, 1, 1),
            ),
        ),
    )


def _context(lang: str) -> StepContext:
    return StepContext(
        draft=_sample(),
        lang=lang,
        channel="ussd",
        user_id="+84912345678",
        now=datetime(2024, 6, 1, tzinfo=UTC),
        caller="+84912345678",
    )


def _reply(step: Step, ctx: StepContext, notice: Msg | None = None) -> Reply:
    history = [] if step.name == START_STEP else ["x"]  # "back" everywhere but the start
    session = DialogSession(step=step.name, lang=ctx.lang, spec_version="", history=history)
    return screen(step, session, ctx, notice)


def _contexts(step: Step, lang: str) -> Iterator[tuple[str, StepContext]]:
    """The step as the person sees it; the duplicate screen once per route that leads there."""
    yield str(step.name), _context(lang)
    if step.name == "sim.wait":  # the sample calls from the SIM's phone: also from another
        elsewhere = _context(lang)
        elsewhere.caller = "+84987654321"
        yield f"{step.name} (called from another phone)", elsewhere
    if step.name == "common.duplicate":
        for checked in Checked:
            ctx = _context(lang)
            ctx.draft.duplicate_of = checked
            yield f"{step.name} ({checked})", ctx
        business = _context(lang)
        business.draft.duplicate_of = Checked.CERTIFICATE
        certified = business.draft.signature.certified
        assert certified is not None
        certified.kind, certified.id_number = AccountKind.BUSINESS, "0100109106-001"
        yield f"{step.name} (business certificate)", business


def every_screen() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    for lang in LANGUAGES:
        for dialog in DIALOGS:
            for step in dialog.steps:
                for name, ctx in _contexts(step, lang):
                    yield from _screens(step, name, ctx)


def _screens(step: Step, name: str, ctx: StepContext) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """The step's screen, and its help screen (help, then the prompt and the options)."""
    try:
        reply = _reply(step, ctx)
    except (KeyError, TypeError, AttributeError) as exc:  # needs more sample data
        raise AssertionError(f"{step.name}: sample data lacks {exc}") from exc
    yield ctx.lang, name, reply_pages(reply, TRANSLATOR)
    help_reply = Reply(
        texts=(step.help, reply.texts[-1]),
        options=reply.options,
        lang=ctx.lang,
        step=step.name,
        can_go_back=reply.can_go_back,
    )
    yield ctx.lang, f"{name} (help)", reply_pages(help_reply, TRANSLATOR)


SCREENS = list(every_screen())


@pytest.mark.parametrize(
    ("lang", "name", "pages"), SCREENS, ids=[f"{s[0]}-{s[1]}" for s in SCREENS]
)
def test_every_screen_of_every_dialog_fits_a_feature_phone_in_plain_ascii(
    lang: str, name: str, pages: tuple[str, ...]
) -> None:
    for page in pages:
        assert len("CON " + page) <= SCREEN_LIMIT, page
        assert page.isascii(), page
        assert page.strip(), f"{name}: empty page"
    for page in pages[:-1]:
        assert page.endswith("\n99 More") or page.endswith("\n99 Xem tiep"), page


def test_the_main_steps_of_a_mobile_registration_need_no_paging() -> None:
    wanted = {
        "start.who",
        "start.methods_citizen",
        "mobile.full_name",
        "mobile.birth_date",
        "mobile.id_number",
        "mobile.phone",
        "mobile.email",
        "mobile.summary",
        "mobile.otp",
        "mobile.password",
        "mobile.password_confirm",
        "mobile.done",
    }
    for lang, name, pages in SCREENS:
        if name in wanted:
            assert len(pages) == 1, f"{lang} {name}: {pages}"


def test_vietnamese_is_shown_without_diacritics_from_the_same_catalogs() -> None:
    shown = {(lang, name): pages for lang, name, pages in SCREENS}
    first = shown[("vi", "start.who")][0]
    assert "Dang ky tai khoan Dich vu cong" in first
    assert "1 Cong dan" in first


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_first_screen_says_the_keys_and_that_00_clears_what_was_typed(lang: str) -> None:
    [first] = {name: pages for lng, name, pages in SCREENS if lng == lang}["start.who"]
    keys = first.splitlines()[-1]
    for key in ("0 ", "00 ", "98 ", "97 "):
        assert key in keys + " ", first
    assert ("xoa het" if lang == "vi" else "clear all") in keys


def _menus() -> Iterator[tuple[str, str, list[str], tuple[str, ...]]]:
    """Every screen with options, plain and after the longest notice of the catalogs."""
    longest = max(TRANSLATOR.keys("vi"), key=lambda k: len(TRANSLATOR.render_template(k, "vi")))
    for lang in LANGUAGES:
        for dialog in DIALOGS:
            for step in dialog.steps:
                for notice in (None, msg("engine.try_again_later"), msg(longest)):
                    reply = as_shown(_reply(step, _context(lang), notice))
                    if reply.options:
                        _, menu, _ = reply_lines(reply, TRANSLATOR)
                        yield (
                            lang,
                            f"{step.name} after {notice}",
                            menu,
                            reply_pages(reply, TRANSLATOR),
                        )


@pytest.mark.parametrize(("lang", "name", "menu", "pages"), list(_menus()))
def test_the_first_page_of_a_screen_with_options_shows_the_options(
    lang: str, name: str, menu: list[str], pages: tuple[str, ...]
) -> None:
    first = pages[0].splitlines()
    assert all(line in first for line in menu), pages
    for page in pages:
        assert len("CON " + page) <= SCREEN_LIMIT, page


def test_a_long_notice_reads_on_at_a_sentence_end_with_the_options_on_page_one() -> None:
    sentences = [
        f"Sentence number {n} says something rather long about the input." for n in range(6)
    ]
    pages = paginate([" ".join(sentences), "What next?"], "More", menu=["1 Edit", "2 Home"])
    assert pages[0].endswith("1 Edit\n2 Home\n99 More")
    for page in pages[:-1]:
        text = page.removesuffix("\n99 More").removesuffix("\n1 Edit\n2 Home")
        assert text.endswith((".", "?")), page
    assert pages[-1].endswith("What next?\n1 Edit\n2 Home")  # the options again at the end


def test_a_long_text_is_wrapped_across_pages_and_nothing_is_cut_off() -> None:
    words = [f"word{n}" for n in range(120)]
    pages = paginate([" ".join(words)], "More", menu=["1 Yes", "2 No"])
    assert len(pages) > 1
    assert all(len(page) <= PAGE_LIMIT for page in pages)
    assert pages[0].endswith("1 Yes\n2 No\n99 More")
    text = [p.removesuffix("\n99 More").removesuffix("\n1 Yes\n2 No") for p in pages]
    assert " ".join(t.replace("\n", " ") for t in text).split() == words


def test_every_last_screen_fits_on_one_page_so_it_ends_the_session() -> None:
    """A gateway (and a person) sees END on the screen after the last input, not "99 More"."""
    too_long = []
    for lang in LANGUAGES:
        for dialog in DIALOGS:
            for step in dialog.steps:
                if step.end:
                    pages = reply_pages(_reply(step, _context(lang)), TRANSLATOR)
                    if len(pages) > 1:
                        too_long.append(f"{lang} {step.name}: {pages[0]!r}")
    assert not too_long, "\n".join(too_long)


# The errors a feature phone meets most, before the menu that follows them: short forms
# keep each on one screen (the options are on the first page in any case).
ERRORS_BEFORE_MENUS = {
    "mobile.not_verified": (
        msg("mobile.subscriber_not_verified", tries=2),
        msg("mobile.subscriber_locked", until="11:00"),
    ),
    "bhxh.not_verified": (
        msg("bhxh.not_matched", tries=2),
        msg("bhxh.locked", until="11:00"),
    ),
    "sim.failed": (
        msg("pki.mssp.user_refused"),
        msg("pki.mssp.timeout"),
        msg("pki.mssp.wrong_pin_locked"),
        msg("pki.refused.revoked"),
        msg("pki.refused.untrusted"),
        msg("signing.kind_mismatch_citizen"),
    ),
    "usb.failed": (msg("signing.link_expired"), msg("pki.refused.expired")),
    "mobile.otp": (msg("otp.wrong", tries=4), msg("otp.expired"), msg("otp.resend_limit")),
    "forgot.otp": (msg("forgot.code_maybe_sent", phone="09*****678"),),
    "forgot.stopped": (msg("forgot.too_many", until="11:00 02/03/2025"),),
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("step", sorted(ERRORS_BEFORE_MENUS))
def test_a_common_error_and_the_menu_after_it_fit_on_one_screen(lang: str, step: str) -> None:
    steps = {str(s.name): s for d in DIALOGS for s in d.steps}
    for notice in ERRORS_BEFORE_MENUS[step]:
        assert TRANSLATOR.has(notice.key, lang), notice.key  # the list follows the catalog
        ctx = _context(lang)
        ctx.caller = None
        pages = reply_pages(_reply(steps[step], ctx, notice), TRANSLATOR)
        assert len(pages) == 1, pages
