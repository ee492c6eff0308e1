"""Stories of a signature registration (SIM, USB token) meeting a failing system after the
person has signed: the signature is theirs and done; they are asked to try again, and
checking again goes on from it - no second request to the phone, no PIN typed twice."""

from __future__ import annotations

from bot.accounts.model import AccountKind
from bot.accounts.repository import SqlAccounts, make_engine
from bot.web.app import RUNTIME
from pki_bridge.testing.signer import issued_signer, sign_url
from tests.e2e.conftest import BotHarness
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)
from tests.e2e.stories import AN_ID, PIN, answer_on_phone, ask_signature, choose, issue_sim, pending


async def test_a_citizen_who_signed_while_the_database_was_down_checks_again_and_goes_on(
    bot_app: BotHarness,
) -> None:
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    assert await answer_on_phone(bot_app, {"action": "approve", "pin": PIN}) == 200
    accounts = bot_app.app[RUNTIME].accounts
    assert isinstance(accounts, SqlAccounts)
    working = accounts._engine
    accounts._engine = make_engine("sqlite+aiosqlite:////nonexistent/dir/db")  # down

    told = "\n".join(await choose(bot_app, "an", "check"))  # the duplicate check fails

    assert "thử lại" in told and "check" in [o.key for o in bot_app.last["an"].options]
    accounts._engine = working  # back
    email_step = "\n".join(await choose(bot_app, "an", "check"))
    assert "Chữ ký số hợp lệ" in email_step  # the signature he made, not a new request
    assert await pending(bot_app) == []  # nothing more on his phone
    await bot_app.pick("an", "Bỏ qua")
    done = "\n".join(await choose(bot_app, "an", "register"))
    assert "Đăng ký thành công" in done
    assert await bot_app.accounts.exists(AccountKind.CITIZEN, AN_ID)


async def test_a_citizen_who_signed_while_the_ca_could_not_say_if_revoked_checks_again_later(
    bot_app: BotHarness,
) -> None:
    await issue_sim(bot_app, id_number=AN_ID)
    await ask_signature(bot_app, "an")
    assert await answer_on_phone(bot_app, {"action": "approve", "pin": PIN}) == 200
    down = {"ocsp_unreachable": True, "crl_unreachable": True}
    assert await bot_app.sim_post("/sim/pki/faults", down) == 200

    told = "\n".join(await choose(bot_app, "an", "check"))

    assert "thu hồi" in told and "thử lại" in told  # not accepted, not refused: later
    assert "check" in [o.key for o in bot_app.last["an"].options]
    assert await bot_app.sim_post("/sim/pki/faults", {}) == 200  # the CA answers again
    email_step = "\n".join(await choose(bot_app, "an", "check"))
    assert "Chữ ký số hợp lệ" in email_step  # the signature he made, not a new request
    assert await pending(bot_app) == []


async def test_a_citizen_who_signed_with_a_usb_token_while_the_database_was_down_goes_on(
    signing_world: SigningWorld,
) -> None:
    world = signing_world
    url = await world.get_link("hoa")
    signer = issued_signer(world.pki.users["citizen"])
    assert (await sign_url(url, signer, session=world.http))[0] == 200  # accepted on the page
    accounts = world.bot.app[RUNTIME].accounts
    assert isinstance(accounts, SqlAccounts)
    working = accounts._engine
    accounts._engine = make_engine("sqlite+aiosqlite:////nonexistent/dir/db")  # down

    told = "\n".join(await world.choose("hoa", "check"))

    assert "thử lại" in told and "check" in [o.key for o in world.bot.last["hoa"].options]
    accounts._engine = working  # back
    email_step = "\n".join(await world.choose("hoa", "check"))
    assert "Chữ ký số hợp lệ" in email_step  # the signature she made: no second one
