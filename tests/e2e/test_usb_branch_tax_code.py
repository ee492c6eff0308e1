"""Story: a branch (dependent unit) has a tax code of its own, `0100109106-001`, and registers
as a business of its own; the head office (`0100109106`) registers beside it, and the
duplicate check keys each on its whole tax code (decision in pki_bridge.identity's notes:
Thông tư 105/2020/TT-BTC, Art. 5 gives dependent units their own 13-digit code)."""

from __future__ import annotations

from bot.accounts.model import AccountKind
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import BRANCH_MST, BUSINESS_MST
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)


async def register(world: SigningWorld, user: str, certificate: str, email: str) -> str:
    """Get a link, sign it with `certificate`'s token, and finish: the last screen."""
    url = await world.get_link(user, kind="business")
    signer = issued_signer(world.pki.users[certificate])
    assert (await sign_url(url, signer, session=world.http))[0] == 200
    screen = "\n".join(await world.choose(user, "check"))
    if "đã được dùng để đăng ký" in screen:
        return screen
    await world.bot.say(user, email)
    return "\n".join(await world.choose(user, "register"))


async def test_a_branch_and_its_head_office_each_register_on_their_own_tax_code(
    signing_world: SigningWorld,
):
    world = signing_world
    done = await register(world, "branch", "business_branch", "chinhanh@hoasen.vn")
    assert "Đăng ký thành công" in done
    branch = await world.bot.accounts.find(AccountKind.BUSINESS, BRANCH_MST)
    assert branch is not None and branch.full_name.endswith("Chi nhánh Đà Nẵng")
    assert await world.bot.accounts.find(AccountKind.BUSINESS, BUSINESS_MST) is None

    done = await register(world, "head", "business", "ketoan@hoasen.vn")
    assert "Đăng ký thành công" in done  # the branch's account is not the head office's
    head = await world.bot.accounts.find(AccountKind.BUSINESS, BUSINESS_MST)
    assert head is not None and head.full_name == "Công ty TNHH Hoa Sen"

    again = await register(world, "branch2", "business_branch", "khac@hoasen.vn")
    assert "đã được dùng để đăng ký" in again  # the branch itself is one registrant
