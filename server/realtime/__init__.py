"""The realtime transport: Socket.IO over WebSocket, for live rooms.

``runtime.Realtime`` is built by the composition root; ``dispatcher``
validates, authorises and acknowledges every command; ``handlers`` are thin;
``outbound`` delivers the rooms' events to this node's sockets. (Nothing is
imported here, so that ``server.config`` can import ``settings`` alone.)
"""
