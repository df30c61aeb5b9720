"""Polls."""

from __future__ import annotations

from protocol.events.polls import ClosePoll, CreatePoll, PollCreated, ShowPollResults, VotePoll

from .. import limits
from ..dispatcher import Call, CommandTable, Rule

commands = CommandTable()


@commands.command(CreatePoll, rule=Rule.TEACHER, rate=limits.TEACHER)
async def create(call: Call, cmd: CreatePoll) -> PollCreated:
    poll_id = await call.rooms.polls.create(
        call.actor,
        question=cmd.question,
        options=list(cmd.options),
        multiple=cmd.multiple,
        anonymous=cmd.anonymous,
    )
    return PollCreated(poll_id=poll_id)


@commands.command(VotePoll, rule=Rule.PARTICIPANT, rate=limits.VOTE)
async def vote(call: Call, cmd: VotePoll) -> None:
    await call.rooms.polls.vote(call.actor, cmd.poll_id, list(cmd.choices))


@commands.command(ClosePoll, rule=Rule.TEACHER, rate=limits.TEACHER)
async def close(call: Call, cmd: ClosePoll) -> None:
    await call.rooms.polls.close(call.actor, cmd.poll_id)


@commands.command(ShowPollResults, rule=Rule.TEACHER, rate=limits.TEACHER)
async def show_results(call: Call, cmd: ShowPollResults) -> None:
    await call.rooms.polls.show_results(call.actor, cmd.poll_id)
