"""moderation: chat messages lose their index on the sender

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-29 14:50:00.000000

Every moderated chat message is one row, inserted (and committed) before it
is acknowledged or sent, so each index of ``chat_messages`` is one more B-tree
page written per message, in the hot path of a live room: in SQLite's WAL a
commit writes every page it touched, and the sender's index (ten senders'
keys in turn, split all over) was 1.4 of the 7.2 pages a message's commit
wrote (bench/README.md, chat_fanout). No query reads it: history and
transcripts go by room and session (``ix_chat_messages_session``), a repeated
``client_msg_id`` by ``uq_chat_messages_client``, a message by
``message_id``; the sender is only a condition on rows those already found.

What it served is a user's erasure (``sender_user_id`` is set to NULL when
the user row is deleted): without it the database looks through the chat
rows for the user, as it already did for ``peer_user_id``, which never had
an index. Nothing erases users yet; erasure is rare and the table is bounded
by the retention period, so one scan then is cheaper than a page per message.

Downgrade puts the index back.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_chat_messages_sender", table_name="chat_messages")


def downgrade() -> None:
    op.create_index("ix_chat_messages_sender", "chat_messages", ["sender_user_id"], unique=False)
