"""Moderated chat: the pipeline in the rooms' seat, and the teachers' tools around it.

The server uses only the names exported here: ``build_moderation_gates`` (the
chat's ``rooms.ChatGate`` and the space's ``community.ContentGate``), then
``build_chat_moderation`` (history, held queue, sanctions, reports,
transcripts, retention, projects' words and held posts), and
``ChatModerationSettings``, the ``moderation`` section of the settings.
"""

from .policy import ChatPolicy
from .retention import ChatRetention, PurgeReport
from .sanctions import PolicyChanges, clean_domains
from .services import (
    ChatModeration,
    ModerationGates,
    build_chat_moderation,
    build_moderation_gates,
)
from .settings import ChatModerationSettings
from .transcript import Transcript, TranscriptLine

__all__ = [
    "ChatModeration",
    "ChatModerationSettings",
    "ChatPolicy",
    "ChatRetention",
    "ModerationGates",
    "PolicyChanges",
    "PurgeReport",
    "Transcript",
    "TranscriptLine",
    "build_chat_moderation",
    "build_moderation_gates",
    "clean_domains",
]
