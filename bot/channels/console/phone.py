"""The demo's signing SIMs: the terminal plays the phone, as `[SMS ...]` lines play SMS.

Sample SIMs are issued by the mobile signature simulator at start; a signature request
appears as a `[SIM ...]` line, and `/ky PIN` (`/sign PIN`) or `/tuchoi` (`/refuse`)
answers it through the simulator's control API - the person's part, not regbot's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import aiohttp

from bot.i18n import Translator, msg

APPROVE: Final = ("/ky", "/sign")
REFUSE: Final = ("/tuchoi", "/refuse")


@dataclass(frozen=True, slots=True)
class SampleSim:
    phone: str
    full_name: str
    pin: str
    id_number: str | None = None
    tax_code: str | None = None


SAMPLE_SIMS: Final = (
    SampleSim("+84903123456", "Đỗ Quang Huy", "1111", id_number="031092005566"),
    SampleSim("+84987000111", "Công ty TNHH Sen Vàng", "2222", tax_code="0102345677"),
)


@dataclass
class DemoPhone:
    """Talks to `/sim/mssp` over HTTP like a test would; prints through `say`."""

    http: aiohttp.ClientSession
    base_url: str  # .../sim/mssp
    translator: Translator
    say: Callable[[str], None]
    shown: set[str] = field(default_factory=set)
    waiting: dict[str, str] = field(default_factory=dict)  # session id -> phone

    async def issue_sims(self) -> None:
        for sim in SAMPLE_SIMS:
            identity = ("id_number", sim.id_number) if sim.id_number else ("tax_code", sim.tax_code)
            body = {
                "phone": sim.phone,
                "full_name": sim.full_name,
                "pin": sim.pin,
                identity[0]: identity[1] or "",
            }
            async with self.http.post(f"{self.base_url}/sims", json=body) as response:
                response.raise_for_status()

    def sample_lines(self, lang: str) -> list[str]:
        return [
            self.translator.render(
                msg(
                    "demo.sample_sim",
                    phone=sim.phone,
                    name=sim.full_name,
                    pin=sim.pin,
                    id_number=sim.id_number or sim.tax_code or "",
                ),
                lang,
            )
            for sim in SAMPLE_SIMS
        ]

    async def ring(self, lang: str) -> None:
        """Show signature requests that arrived on a sample SIM since the last look."""
        for sim in SAMPLE_SIMS:
            async with self.http.get(
                f"{self.base_url}/pending", params={"phone": sim.phone}
            ) as response:
                pending = await response.json() if response.status == 200 else []
            for request in pending:
                self.waiting[request["session_id"]] = sim.phone
                if request["session_id"] in self.shown:
                    continue
                self.shown.add(request["session_id"])
                self.say(
                    f"[SIM {sim.phone}] "
                    + self.translator.render(
                        msg(
                            "demo.sim_request",
                            text=request["display_text"],
                            code=request["verification_code"],
                        ),
                        lang,
                    )
                )

    async def command(self, line: str, lang: str) -> bool:
        """`/ky PIN` or `/tuchoi`: answer the latest request on the phone. True if handled."""
        words = line.strip().split()
        if not words or words[0].lower() not in APPROVE + REFUSE:
            return False
        if not self.waiting:
            self.say(self.translator.render(msg("demo.sim_nothing_pending"), lang))
            return True
        session_id, phone = list(self.waiting.items())[-1]
        body = {"action": "refuse"}
        if words[0].lower() in APPROVE:
            body = {"action": "approve", "pin": words[1] if len(words) > 1 else ""}
        async with self.http.post(f"{self.base_url}/pending/{session_id}", json=body) as response:
            answer = await response.json()
        if "attempts_left" in answer:
            self.say(
                f"[SIM {phone}] "
                + self.translator.render(
                    msg("demo.sim_wrong_pin", left=answer["attempts_left"]), lang
                )
            )
        else:
            self.waiting.pop(session_id, None)
        return True
