"""Raising and lowering hands."""

from __future__ import annotations

from protocol.events.hands import LowerHand, RaiseHand

from .. import limits
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()


@commands.command(RaiseHand, rule=Rule.PARTICIPANT, rate=limits.HAND)
async def raise_hand(call: Call, cmd: RaiseHand) -> None:
    await call.rooms.hands.raise_hand(call.actor)


@commands.command(LowerHand, rule=Rule.PARTICIPANT, rate=limits.HAND)
async def lower_hand(call: Call, cmd: LowerHand) -> None:
    # Anyone lowers their own hand; the domain lets only teachers lower others'.
    await call.rooms.hands.lower_hand(call.actor, cmd.participant_id)
