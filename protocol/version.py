"""Version of the wire protocol, sent in the realtime connect handshake."""

PROTOCOL_VERSION = 1
