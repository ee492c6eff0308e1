"""The engine on the real Redis store: what is stored is encrypted and holds no password
or OTP even decrypted, and two workers sharing Redis serve one person as one."""

from __future__ import annotations

import asyncio
import random
import uuid

from bot.engine.messages import Inbound
from bot.state import KeyBuilder, RecordCodec
from bot.state.redis import RedisStore, redis_client
from bot.web.app import RUNTIME
from tests.e2e.conftest import harness_settings, make_harness
from tests.e2e.stories import fill_mobile_details

PASSWORD = "Hoa-Sen#2024"


async def new_subscriber(bot) -> tuple[dict[str, str], str]:
    """A person of this test only: counters in the shared Redis (codes per phone, ...)
    outlive the test, so a fixed sample person would hit the limits on the next runs."""
    n = random.randrange(10**6)
    phone, id_number = f"+8491{random.randrange(10**7):07d}", f"001090{n:06d}"
    owner = {"id_number": id_number, "full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-17"}
    body = {"msisdn": phone, "carrier": "Viettel", "owner_registered": True, "owner": owner}
    assert await bot.sim_post("/sim/carrier/subscribers", body) == 201
    person = {
        "name": "Nguyen Van An",
        "dob": "17/05/1990",
        "id": id_number,
        "phone": "0" + phone[3:],
    }
    return person, phone


async def stored_sessions(client, prefix: str, key: str) -> list[bytes]:
    value = await client.get(f"{prefix}state:{key}")
    return [value] if value is not None else []


async def test_a_registration_on_redis_never_stores_id_password_or_otp_readably(
    tmp_path, redis_url
):
    async with make_harness(harness_settings(tmp_path, redis_url=redis_url)) as bot:
        client = redis_client(redis_url)
        codec = RecordCodec(bot.app[RUNTIME].keys.sealer("dialog"))
        prefix = "regbot:"
        user = f"redis-{uuid.uuid4().hex[:8]}"
        snapshots: list[bytes] = []
        try:
            person, phone = await new_subscriber(bot)
            await fill_mobile_details(bot, user, person)
            await bot.pick(user, "Xác nhận")
            code = await bot.last_code(phone)
            for text in (code, PASSWORD):
                await bot.say(user, text)
                snapshots += await stored_sessions(
                    client, prefix, bot.engine.session_key("test", user)
                )
            assert snapshots
            for blob in snapshots:
                assert person["id"].encode() not in blob and b"Nguyen" not in blob
                dialog = codec.loads(blob).dialog
                assert dialog is not None
                decrypted = repr(dialog.draft)
                assert code not in decrypted and PASSWORD not in decrypted
            done = await bot.say(user, PASSWORD)
            assert "Đăng ký thành công" in "\n".join(done)
        finally:
            await client.delete(f"{prefix}state:{bot.engine.session_key('test', user)}")
            await client.aclose()


async def test_two_workers_on_one_redis_serialise_the_turns_of_one_person(tmp_path, redis_url):
    """A double-tapped button reaching two workers at once must not run the step twice."""
    async with make_harness(harness_settings(tmp_path, redis_url=redis_url)) as bot:
        user = f"twice-{uuid.uuid4().hex[:8]}"
        person, phone = await new_subscriber(bot)
        await fill_mobile_details(bot, user, person)
        engine = bot.engine
        other_worker = type(engine)(
            engine.graph.dialogs,
            RedisStore(redis_client(redis_url)),
            RecordCodec(bot.app[RUNTIME].keys.sealer("dialog")),
            KeyBuilder(bot.app[RUNTIME].keys.tokens),
            clock=engine.clock,
        )
        replies = await asyncio.gather(
            engine.handle(Inbound("test", user, "1")),
            other_worker.handle(Inbound("test", user, "1")),
        )
        assert len(await bot.sms_to(phone)) == 1  # one OTP, not two
        assert {r.step for r in replies} == {"mobile.otp"}
