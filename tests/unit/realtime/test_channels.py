"""``Channels``: a node's broadcast groups, one frame built per event."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from engineio import packet as eio_packet

from server.realtime.channels import Channels, event_packet


@dataclass
class RecordingOutbox:
    frames: list[bytes] = field(default_factory=list)
    packets: list[eio_packet.Packet] = field(default_factory=list)

    def send_frame(self, frame: bytes, packet: eio_packet.Packet) -> None:
        self.frames.append(frame)
        self.packets.append(packet)


def test_an_event_packet_is_a_socketio_event_of_the_default_namespace() -> None:
    packet = event_packet('chat."quoted"', '{"seq":3}')
    assert packet.encode() == '42["chat.\\"quoted\\"",{"seq":3}]'
    name, payload = json.loads(packet.encode()[2:])
    assert name == 'chat."quoted"' and payload == {"seq": 3}


def test_one_frame_object_reaches_every_member_and_no_one_else() -> None:
    channels = Channels()
    a, b, other = RecordingOutbox(), RecordingOutbox(), RecordingOutbox()
    channels.enter("room:1", "a", a)
    channels.enter("room:1", "b", b)
    channels.enter("room:2", "c", other)
    assert channels.send("room:1", "demo.happened", '{"n":1}') == 2
    assert a.frames[0] is b.frames[0]
    assert a.frames[0].endswith(b'42["demo.happened",{"n":1}]')
    assert other.frames == []


def test_leaving_empties_and_forgets_a_group() -> None:
    channels = Channels()
    box = RecordingOutbox()
    channels.enter("room:1", "a", box)
    channels.enter("room:1", "a", box)
    assert channels.count("room:1") == 1
    assert channels.sids("room:1") == {"a"}
    channels.leave("room:1", "a")
    channels.leave("room:1", "a")
    channels.leave("room:9", "a")
    assert channels.count("room:1") == 0
    assert channels.sids("room:1") == frozenset()
    assert channels.send("room:1", "demo.happened", "{}") == 0
    assert box.frames == []
