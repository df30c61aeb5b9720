"""Breakout groups."""

from __future__ import annotations

from protocol.events.breakouts import BreakoutsResult, EndBreakouts, StartBreakouts, VisitGroup

from .. import limits
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()


@commands.command(StartBreakouts, rule=Rule.TEACHER, rate=limits.TEACHER)
async def start(call: Call, cmd: StartBreakouts) -> BreakoutsResult:
    groups = await call.rooms.breakouts.start(
        call.actor,
        mode=cmd.mode,
        groups=None if cmd.groups is None else [list(g) for g in cmd.groups],
        group_count=cmd.group_count,
        duration_s=cmd.duration_s,
    )
    return BreakoutsResult(groups=groups)


@commands.command(EndBreakouts, rule=Rule.TEACHER, rate=limits.TEACHER)
async def end(call: Call, cmd: EndBreakouts) -> None:
    await call.rooms.breakouts.end(call.actor)


@commands.command(VisitGroup, rule=Rule.TEACHER, rate=limits.TEACHER)
async def visit(call: Call, cmd: VisitGroup) -> None:
    await call.rooms.breakouts.visit(call.actor, cmd.group_id)
