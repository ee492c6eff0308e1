"""The registration funnel: started -> method chosen -> identity checked (carrier, BHXH,
signature) -> possession proven (OTP, signature) -> account created, counted in distinct
conversations per channel and method, and drawn as bars (SVG, on the server)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Final


class Stage(IntEnum):
    STARTED = 0
    METHOD = 1
    IDENTITY = 2
    POSSESSION = 3
    CREATED = 4

    @property
    def key(self) -> str:
        return f"support.funnel.stage.{self.name.lower()}"


_OTP: Final = ("otp",)
_PASSWORD: Final = ("password", "password_confirm")
_CERTIFIED: Final = ("email", "summary")  # after a verified signature: both proven at once
# The steps that prove a stage; any step of a chosen method is at least METHOD.
STAGE_OF_STEP: Final[Mapping[str, Stage]] = {
    **{f"{m}.{s}": Stage.IDENTITY for m in ("mobile", "bhxh") for s in _OTP},
    **{f"{m}.{s}": Stage.POSSESSION for m in ("mobile", "bhxh") for s in _PASSWORD},
    **{f"{m}.{s}": Stage.POSSESSION for m in ("sim", "usb", "official") for s in _CERTIFIED},
    **{f"{m}.done": Stage.CREATED for m in ("mobile", "bhxh", "sim", "usb", "official")},
}


def stage_of(step: str, method: str) -> Stage:
    """The furthest stage a conversation at `step` has reached."""
    if step in STAGE_OF_STEP:
        return STAGE_OF_STEP[step]
    return Stage.METHOD if method else Stage.STARTED


@dataclass(frozen=True, slots=True)
class Reached:
    """How far one conversation went with one method (or none) in the period."""

    key: str
    channel: str
    method: str
    stage: int


@dataclass(frozen=True, slots=True)
class Funnel:
    counts: tuple[int, ...]  # people at each stage, STARTED first
    give_up: Stage | None  # the stage after which most people stop

    @property
    def started(self) -> int:
        return self.counts[0]


def funnel_of(reached: Iterable[Reached], channel: str = "", method: str = "") -> Funnel:
    """Distinct conversations at each stage; `channel` and `method` narrow it ("" all).
    Everybody who started counts in STARTED whatever the method filter: it is the top
    of every method's funnel."""
    per_stage: list[set[str]] = [set() for _ in Stage]
    for row in reached:
        if channel and row.channel != channel:
            continue
        per_stage[Stage.STARTED].add(row.key)
        if method and row.method != method:
            continue
        for stage in Stage:
            if stage > Stage.STARTED and row.stage >= stage and row.method:
                per_stage[stage].add(row.key)
    counts = tuple(len(keys) for keys in per_stage)
    return Funnel(counts, _give_up(counts))


def _give_up(counts: tuple[int, ...]) -> Stage | None:
    drops = [(counts[i] - counts[i + 1], Stage(i)) for i in range(len(counts) - 1)]
    biggest, stage = max(drops, key=lambda drop: drop[0])
    return stage if biggest > 0 else None


@dataclass(frozen=True, slots=True)
class Bar:
    stage: Stage
    count: int
    percent: int  # of STARTED
    y: int
    width: int
    highlighted: bool


BAR_HEIGHT: Final = 34
BAR_GAP: Final = 12
CHART_WIDTH: Final = 640
LABEL_WIDTH: Final = 250


def bars(funnel: Funnel, width: int = CHART_WIDTH - LABEL_WIDTH - 90) -> list[Bar]:
    """The chart's geometry: one bar per stage, as wide as its share of STARTED."""
    top = max(funnel.started, 1)
    return [
        Bar(
            stage=stage,
            count=count,
            percent=round(100 * count / top),
            y=i * (BAR_HEIGHT + BAR_GAP),
            width=max(2, round(width * count / top)) if count else 0,
            highlighted=stage is funnel.give_up,
        )
        for i, (stage, count) in enumerate(zip(Stage, funnel.counts, strict=True))
    ]


def chart_height() -> int:
    return len(Stage) * (BAR_HEIGHT + BAR_GAP)
