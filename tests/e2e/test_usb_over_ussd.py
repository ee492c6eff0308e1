"""Stories of level-3 registration from a feature phone (USSD): the signing link arrives by
SMS for the computer with the token; a signing SIM is confirmed once the call is over,
and calling again continues once a code by SMS proves the phone."""

from __future__ import annotations

from bot.accounts.model import AccountKind
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import CITIZEN_CCCD, OFFICIAL_CCCD
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    LINK,
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)
from tests.e2e.stories import CALLER, PIN, Dial, call_again


async def test_a_feature_phone_user_gets_the_link_by_sms_and_registers_with_a_token(
    signing_world: SigningWorld,
):
    world = signing_world
    dial = Dial(world, "ussd-usb")
    await dial.press("")
    waiting = await dial.pick("Cong dan", "USB ky so", "Lay duong dan")
    assert "Gui duong dan qua SMS" in waiting
    sent = await dial.pick("Gui duong dan qua SMS")
    assert "09*****678" in sent
    [sms] = await world.bot.sms_to(CALLER)
    found = LINK.search(sms)
    assert found, sms

    signer = issued_signer(world.pki.users["citizen"])
    assert (await sign_url(found.group(0), signer, session=world.http))[0] == 200
    accepted = await dial.pick("Toi da ky xong")
    assert accepted.startswith("CON") and "Chu ky so hop le" in accepted
    await dial.pick("Bo qua")  # no email
    done = await dial.pick("Dang ky")
    # guide 1.4: level 3, the highest, as an account registered in person
    assert "muc xac minh 3 (cao nhat, nhu dang ky truc tiep)" in done, done
    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None and account.method == "usb"


async def test_a_feature_phone_user_registers_with_their_own_signing_sim(
    signing_world: SigningWorld,
):
    world = signing_world
    body = {"phone": CALLER, "id_number": CITIZEN_CCCD, "full_name": "Nguyễn Văn An", "pin": PIN}
    assert await world.bot.sim_post("/sim/mssp/sims", body) == 201
    dial = Dial(world, "ussd-sim")
    await dial.press("")
    waiting = await dial.pick("Cong dan", "Sim ky so", "Dung so")  # "use my number"
    async with world.http.get(
        world.bot.client.make_url("/sim/mssp/pending"), params={"phone": CALLER}
    ) as resp:
        [request] = await resp.json()
    assert request["verification_code"] in waiting
    assert waiting.startswith("END ")  # the SIM shows the request once the call is over
    assert (
        await world.bot.sim_post(
            f"/sim/mssp/pending/{request['session_id']}", {"action": "approve", "pin": PIN}
        )
        == 200
    )
    dial, resumed = await call_again(world, "ussd-sim-again")
    assert "Chu ky so hop le" in resumed
    await dial.pick("Bo qua")  # no email
    assert "muc xac minh 3" in await dial.pick("Dang ky")
    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None and (account.method, account.phone) == ("sim", CALLER)


async def test_a_civil_servant_on_a_feature_phone_sees_her_token_details_before_the_email(
    signing_world: SigningWorld,
):
    # guide §1.4: the portal shows what it read from the token, then asks for the email;
    # on a feature phone that is one screen, with "skip" on it
    world = signing_world
    dial = Dial(world, "ussd-official")
    await dial.press("")
    await dial.pick("Co quan nha nuoc", "USB ky so", "Lay duong dan", "Gui duong dan qua SMS")
    [sms] = await world.bot.sms_to(CALLER)
    found = LINK.search(sms)
    assert found, sms
    signer = issued_signer(world.pki.users["official"])
    assert (await sign_url(found.group(0), signer, session=world.http))[0] == 200
    email_step = await dial.pick("Toi da ky xong")
    assert email_step.startswith("CON") and "99" not in email_step.splitlines()[-3:]
    assert OFFICIAL_CCCD in email_step and "Bo Tu phap" in email_step
    assert email_step.index(OFFICIAL_CCCD) < email_step.index("email")
    assert "1 Bo qua" in email_step
    await dial.pick("Bo qua")
    assert "muc xac minh 3" in await dial.pick("Dang ky")
    account = await world.bot.accounts.find(AccountKind.OFFICIAL, OFFICIAL_CCCD)
    assert account is not None and account.method == "usb"
