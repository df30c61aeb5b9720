"""``jumelage serve`` with a pass-through chat gate, for ``bench/chat_fanout.py``
(target ``jumelage-plain``) only.

Issue "Moderated chat" asks that chat fan-out with the moderation pipeline
and storage on keep at least 0.8 of the rate without them, measured side
by side. No setting of the server turns moderation off, and none should: a
deployment must not be able to. So this bench-only entry point composes the
very same server (``server.cli.main(["serve", ...])``, same settings, same
environment) with one substitution: the rooms' chat gate is ``rooms.OpenGate``
(no pipeline, nothing stored; every message let through), as the rooms were
before moderated chat. Everything else, the teachers' moderation tools
included, is built as usual.

    python bench/fanout/plain_serve.py   # same environment as `jumelage serve`
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import server.runtime  # noqa: E402  (after the checkout is on the path)
from rooms import OpenGate, RoomServices, build_room_services  # noqa: E402
from server.cli import main  # noqa: E402


def _rooms_with_open_gate(**kwargs: Any) -> RoomServices:
    """``build_room_services`` with the pass-through gate in the chat's seat."""
    kwargs["gate"] = OpenGate()
    return build_room_services(**kwargs)


if __name__ == "__main__":
    # What `open_services` calls to build the rooms (it imported the name).
    vars(server.runtime)["build_room_services"] = _rooms_with_open_gate
    sys.exit(main(["serve", *sys.argv[1:]]))
