"""BHXH register simulator: `GET /insured/{bhxh_code}`, `POST /insured`, `GET /lookups`."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from integrations.insured import InsuredPerson
from integrations.simulators.faults import add_fault_switch, error, faultable, read_json
from integrations.simulators.lookups import add_lookup_counter, count_lookup
from integrations.wire import WireError, insured_from_json, insured_to_json

INSURED_PEOPLE = web.AppKey("insured_people", dict[str, InsuredPerson])


@faultable
async def lookup_insured(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    count_lookup(request, code)
    person = request.app[INSURED_PEOPLE].get(code)
    if person is None:
        return error(404, "no such insured person")
    return web.json_response(insured_to_json(person))


async def add_insured(request: web.Request) -> web.Response:
    """Control: add or replace an insured person; the body is the BHXH 200 reply."""
    try:
        person = insured_from_json(await read_json(request))
    except WireError as exc:
        return error(400, str(exc))
    request.app[INSURED_PEOPLE][person.bhxh_code] = person
    return web.json_response(insured_to_json(person), status=201)


def insured_simulator(people: Iterable[InsuredPerson] = ()) -> web.Application:
    """The BHXH register, to be mounted at `/sim/bhxh`, pre-loaded with `people`."""
    app = web.Application()
    app[INSURED_PEOPLE] = {p.bhxh_code: p for p in people}
    app.router.add_get("/insured/{code}", lookup_insured)
    app.router.add_post("/insured", add_insured)
    add_fault_switch(app)
    add_lookup_counter(app)
    return app
