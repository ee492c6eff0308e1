"""Carrier subscriber register simulator: `GET /subscribers/{e164}`, `POST /subscribers`,
`GET /lookups`."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from integrations.carrier import Subscriber
from integrations.simulators.faults import add_fault_switch, error, faultable, read_json
from integrations.simulators.lookups import add_lookup_counter, count_lookup
from integrations.wire import WireError, subscriber_from_json, subscriber_to_json

CARRIER_SUBSCRIBERS = web.AppKey("carrier_subscribers", dict[str, Subscriber])


@faultable
async def lookup_subscriber(request: web.Request) -> web.Response:
    e164 = request.match_info["e164"]
    count_lookup(request, e164)
    subscriber = request.app[CARRIER_SUBSCRIBERS].get(e164)
    if subscriber is None:
        return error(404, "no such subscriber")
    return web.json_response(subscriber_to_json(subscriber))


async def add_subscriber(request: web.Request) -> web.Response:
    """Control: add or replace a subscriber; the body is the carrier's 200 reply."""
    try:
        subscriber = subscriber_from_json(await read_json(request))
    except WireError as exc:
        return error(400, str(exc))
    request.app[CARRIER_SUBSCRIBERS][subscriber.msisdn] = subscriber
    return web.json_response(subscriber_to_json(subscriber), status=201)


def carrier_simulator(subscribers: Iterable[Subscriber] = ()) -> web.Application:
    """The carrier register, to be mounted at `/sim/carrier`, pre-loaded with `subscribers`."""
    app = web.Application()
    app[CARRIER_SUBSCRIBERS] = {s.msisdn: s for s in subscribers}
    app.router.add_get("/subscribers/{e164}", lookup_subscriber)
    app.router.add_post("/subscribers", add_subscriber)
    add_fault_switch(app)
    add_lookup_counter(app)
    return app
