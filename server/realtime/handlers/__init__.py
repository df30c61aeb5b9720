"""Thin handlers of the realtime commands, one module per area.

Each handler parses nothing (the dispatcher did), takes the actor from the
connection, makes one domain call and returns the acknowledgement's data.
"""

from .breakouts import commands as breakout_commands
from .chat import commands as chat_commands
from .hands import commands as hand_commands
from .lobby import commands as lobby_commands
from .moderation import commands as moderation_commands
from .polls import commands as poll_commands
from .rooms import commands as room_commands

COMMAND_TABLES = (
    room_commands,
    lobby_commands,
    hand_commands,
    poll_commands,
    breakout_commands,
    chat_commands,
    moderation_commands,
)

__all__ = ["COMMAND_TABLES"]
