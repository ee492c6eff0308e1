"""Stories of level-3 registration from a feature phone (USSD): the signing link arrives by
SMS for the computer with the token; a signing SIM is confirmed once the call is over,
and calling again continues once a code by SMS proves the phone."""

from __future__ import annotations

import re

from bot.accounts.model import AccountKind
from pki_bridge.testing.signer import issued_signer, sign_url
from pki_bridge.testing.testca import CITIZEN_CCCD
from tests.e2e.signing_world import (  # noqa: F401 - fixtures
    LINK,
    SigningWorld,
    ca_port_fixture,
    signing_world_fixture,
    test_pki_fixture,
)

CALLER = "+84912345678"


class Dial:
    """One USSD session as the gateway sends it: every input so far, joined with `*`."""

    def __init__(self, world: SigningWorld, session: str) -> None:
        self.world, self.session, self.inputs = world, session, []

    async def press(self, *keys: str) -> str:
        screen = ""
        for key in keys:
            if key:  # "" is the dial itself
                self.inputs.append(key)
            response = await self.world.bot.client.post(
                "/ussd",
                data={
                    "sessionId": self.session,
                    "serviceCode": "*123#",
                    "phoneNumber": CALLER,
                    "text": "*".join(self.inputs),
                },
            )
            assert response.status == 200
            screen = await response.text()
        return screen


async def call_again(world: SigningWorld, session: str) -> tuple[Dial, str]:
    """Dials again after a hang-up: "continue where you left off", then the code sent by
    SMS that proves the phone on a new call; the screen where the dialog goes on."""
    dial = Dial(world, session)
    assert "dang lam do" in await dial.press("")
    assert "ma OTP" in await dial.press("1")
    code = re.findall(r"\b\d{6}\b", (await world.bot.sms_to(CALLER))[-1])[0]
    return dial, await dial.press(code)


async def test_a_feature_phone_user_gets_the_link_by_sms_and_registers_with_a_token(
    signing_world: SigningWorld,
):
    world = signing_world
    dial = Dial(world, "ussd-usb")
    await dial.press("")
    waiting = await dial.press("1", "4", "1")  # citizen, USB token, get the link
    assert "Gui duong dan qua SMS" in waiting
    sent = await dial.press("2")
    assert "09*****678" in sent
    [sms] = await world.bot.sms_to(CALLER)
    found = LINK.search(sms)
    assert found, sms

    signer = issued_signer(world.pki.users["citizen"])
    assert (await sign_url(found.group(0), signer, session=world.http))[0] == 200
    accepted = await dial.press("1")  # "I have signed"
    assert accepted.startswith("CON") and "Chu ky so hop le" in accepted
    await dial.press("1")  # skip the email
    done = await dial.press("1")  # register
    assert "muc xac minh 3" in done, done
    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None and account.method == "usb"


async def test_a_feature_phone_user_registers_with_their_own_signing_sim(
    signing_world: SigningWorld,
):
    world = signing_world
    body = {"phone": CALLER, "id_number": CITIZEN_CCCD, "full_name": "Nguyễn Văn An", "pin": "2468"}
    assert await world.bot.sim_post("/sim/mssp/sims", body) == 201
    dial = Dial(world, "ussd-sim")
    await dial.press("")
    waiting = await dial.press("1", "3", "1")  # citizen, signing SIM, "use my number"
    async with world.http.get(
        world.bot.client.make_url("/sim/mssp/pending"), params={"phone": CALLER}
    ) as resp:
        [request] = await resp.json()
    assert request["verification_code"] in waiting
    assert waiting.startswith("END ")  # the SIM shows the request once the call is over
    assert (
        await world.bot.sim_post(
            f"/sim/mssp/pending/{request['session_id']}", {"action": "approve", "pin": "2468"}
        )
        == 200
    )
    dial, resumed = await call_again(world, "ussd-sim-again")
    assert "Chu ky so hop le" in resumed
    await dial.press("1")
    assert "muc xac minh 3" in await dial.press("1")
    account = await world.bot.accounts.find(AccountKind.CITIZEN, CITIZEN_CCCD)
    assert account is not None and (account.method, account.phone) == ("sim", CALLER)
