"""Polls: single or multiple choice, anonymous or not, results shown on demand."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

from .base import ClientEvent, ServerEvent, WireId, WireModel
from .models import PollView
from .text import PollOption, PollQuestion

MIN_POLL_OPTIONS = 2
MAX_POLL_OPTIONS = 10


class PollCreated(WireModel):
    poll_id: str


class CreatePoll(ClientEvent):
    """Ask the room a question."""

    name: ClassVar[str] = "poll.create"
    result: ClassVar[type[BaseModel] | None] = PollCreated

    question: PollQuestion
    options: Annotated[
        list[PollOption], Field(min_length=MIN_POLL_OPTIONS, max_length=MAX_POLL_OPTIONS)
    ]
    multiple: bool = False
    """Allow several answers."""
    anonymous: bool = True
    """Never show who answered what, not even to teachers."""


class VotePoll(ClientEvent):
    """Answer an open poll; answering again replaces the earlier answer."""

    name: ClassVar[str] = "poll.vote"

    poll_id: WireId
    choices: Annotated[
        list[Annotated[int, Field(ge=0, lt=MAX_POLL_OPTIONS)]],
        Field(min_length=1, max_length=MAX_POLL_OPTIONS),
    ]
    """Indexes of the chosen options; exactly one unless the poll allows several."""


class ClosePoll(ClientEvent):
    """Stop accepting answers."""

    name: ClassVar[str] = "poll.close"

    poll_id: WireId


class ShowPollResults(ClientEvent):
    """Show the counts to everyone (never the voters of an anonymous poll)."""

    name: ClassVar[str] = "poll.show_results"

    poll_id: WireId


class PollOpened(ServerEvent):
    name: ClassVar[str] = "poll.opened"

    poll: PollView


class PollTallyChanged(ServerEvent):
    """Someone answered (sent to teachers): the current counts."""

    name: ClassVar[str] = "poll.tally_changed"

    poll_id: str
    counts: list[int]
    voters: list[list[str]] | None = None
    """Participant ids per option; absent for anonymous polls."""


class PollClosed(ServerEvent):
    name: ClassVar[str] = "poll.closed"

    poll_id: str


class PollResultsShown(ServerEvent):
    name: ClassVar[str] = "poll.results_shown"

    poll_id: str
    counts: list[int]
