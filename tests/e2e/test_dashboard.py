"""An agent watches the conversations on `/dashboard`: where people are, the latest turns,
and nothing that identifies anybody."""

from __future__ import annotations

import dataclasses
import uuid

from bot.events import ConversationEvent, RedisStreamSink
from bot.state.redis import redis_client
from tests.e2e.conftest import harness_settings, make_harness
from tests.e2e.test_mobile_registration import fill_details


async def test_an_agent_sees_where_people_are_without_seeing_who_they_are(bot_app):
    await fill_details(bot_app, "+84912345678")  # a USSD-like user id: a phone number
    page = await bot_app.client.get("/dashboard")
    assert page.status == 200
    text = await page.text()
    assert "mobile.summary" in text and "Hội thoại đang diễn ra" in text
    for personal in ("0912345678", "84912345678", "Nguyen Van An", "001090012345"):
        assert personal not in text
    events = (await (await bot_app.client.get("/dashboard/events")).json())["events"]
    assert events[0]["step"] == "mobile.summary" and events[0]["channel"] == "test"
    assert "84912345678" not in str(events)


async def test_with_a_dashboard_token_set_the_dashboard_needs_it(tmp_path):
    settings = dataclasses.replace(harness_settings(tmp_path), dashboard_token="agents-only")
    async with make_harness(settings) as bot:
        assert (await bot.client.get("/dashboard")).status == 404
        assert (await bot.client.get("/dashboard?token=wrong")).status == 404
        ok = await bot.client.get("/dashboard", headers={"X-Dashboard-Token": "agents-only"})
        assert ok.status == 200


async def test_every_worker_s_turns_reach_the_shared_stream(redis_url):
    key = f"test-events-{uuid.uuid4().hex[:8]}"
    client = redis_client(redis_url)
    try:
        workers = [RedisStreamSink(client, key=key), RedisStreamSink(client, key=key)]
        for n, sink in enumerate(workers):
            sink.emit(
                ConversationEvent(float(n), "ussd", f"ussd:{n}", "a", "b", "text", 1.0, False)
            )
            await sink.flush()
        seen = await workers[0].recent(10)
        assert [e.person for e in seen] == ["ussd:1", "ussd:0"]  # newest first, both workers
    finally:
        await client.delete(key)
        await client.aclose()
