"""The Lua scripts behind ``RedisRooms``, and how their replies are decoded.

A commit runs as one script, so its guards, field writes, sequence numbers,
log appends and feed publications happen atomically, in one order for every
node: ``PUBLISH`` inside the script means the feed carries events in ``seq``
order per room, whichever node appended them.

An event travels (in the log and on the feed) as one line per field:
``room_id``, ``seq``, ``audience``, ``name``, ``effects``, then the payload.
None of the first five can contain a line break, and JSON never contains a
raw one, so splitting at the first five line breaks recovers the fields.
The payload construction (``WITH_SEQ_LUA``) mirrors ``cluster.feed.payload_with_seq``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from protocol.ids import RoomId

from ..ports_rooms import LoggedEvent

WITH_SEQ_LUA = """
local function with_seq(body, seq)
  if body == '{}' then return '{"seq":' .. seq .. '}' end
  return '{"seq":' .. seq .. ',' .. string.sub(body, 2)
end
"""
"""``cluster.feed.payload_with_seq`` in Lua, put before the scripts that write payloads."""

VERSION_FIELD = "_v"
"""The hash field holding the room's version; domain fields never start with ``_``."""

# KEYS: state hash, seq counter, log list, wakes zset.
# ARGV: room_id, channel, log capacity, ttl_ms, expected version ('' = none),
#   wake ('' keep, '0' clear, else score), #guards, #sets, #deletes, #events,
#   then guards (name, '1'|'0' present, value), sets (name, value),
#   deletes (name), events (audience, name, body, effects).
# Returns false when a guard fails, else the list of seq numbers.
COMMIT_LUA = """
local room, channel = ARGV[1], ARGV[2]
local cap, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local expected, wake = ARGV[5], ARGV[6]
local ng, ns, nd, ne = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
if expected ~= '' then
  local current = tonumber(redis.call('HGET', KEYS[1], '_v') or '0')
  if current ~= tonumber(expected) then return false end
end
local i = 11
for _ = 1, ng do
  local value = redis.call('HGET', KEYS[1], ARGV[i])
  if ARGV[i + 1] == '1' then
    if value ~= ARGV[i + 2] then return false end
  elseif value then
    return false
  end
  i = i + 3
end
for _ = 1, ns do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for _ = 1, nd do
  redis.call('HDEL', KEYS[1], ARGV[i])
  i = i + 1
end
if ns + nd > 0 then redis.call('HINCRBY', KEYS[1], '_v', 1) end
if wake == '0' then
  redis.call('ZREM', KEYS[4], room)
elseif wake ~= '' then
  redis.call('ZADD', KEYS[4], wake, room)
end
local seqs = {}
for _ = 1, ne do
  local seq = redis.call('INCR', KEYS[2])
  local payload = with_seq(ARGV[i + 2], seq)
  local line = room .. '\\n' .. seq .. '\\n' .. ARGV[i] .. '\\n' .. ARGV[i + 1] .. '\\n'
    .. ARGV[i + 3] .. '\\n' .. payload
  redis.call('RPUSH', KEYS[3], line)
  redis.call('PUBLISH', channel, line)
  seqs[#seqs + 1] = seq
  i = i + 4
end
if ne > 0 then redis.call('LTRIM', KEYS[3], -cap, -1) end
if ns + nd + ne > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return seqs
"""

# KEYS: seq counter, log list. ARGV: since.
# Returns false when the events after `since` are not all kept, else the lines.
SINCE_LUA = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local since = tonumber(ARGV[1])
if since > last or since < 0 then return false end
if since == last then return {} end
local n = redis.call('LLEN', KEYS[2])
local first = last - n + 1
if since + 1 < first then return false end
return redis.call('LRANGE', KEYS[2], since + 1 - first, -1)
"""


# KEYS: log list. ARGV: marker, new name, new body, then the names that may match.
# Rewrites each kept line whose name is one of them and whose payload holds the
# marker (a plain find; an empty marker is found in any), in place with LSET,
# keeping its room, seq and audience and dropping its effects. Returns the seq
# of each rewritten line.
REDACT_LUA = """
local marker, new_name, body = ARGV[1], ARGV[2], ARGV[3]
local names = {}
for i = 4, #ARGV do names[ARGV[i]] = true end
local lines = redis.call('LRANGE', KEYS[1], 0, -1)
local seqs = {}
for index, line in ipairs(lines) do
  local a = string.find(line, '\\n', 1, true)
  local b = string.find(line, '\\n', a + 1, true)
  local c = string.find(line, '\\n', b + 1, true)
  local d = string.find(line, '\\n', c + 1, true)
  local e = string.find(line, '\\n', d + 1, true)
  if names[string.sub(line, c + 1, d - 1)] and string.find(line, marker, e + 1, true) then
    local seq = string.sub(line, a + 1, b - 1)
    local payload = with_seq(body, seq)
    local kept = string.sub(line, 1, c)
    redis.call('LSET', KEYS[1], index - 1, kept .. new_name .. '\\n\\n' .. payload)
    seqs[#seqs + 1] = tonumber(seq)
  end
end
return seqs
"""


@dataclass(frozen=True)
class Script:
    """A Lua script and its SHA-1, for ``EVALSHA`` with an ``EVAL`` fallback."""

    source: str

    @property
    def sha(self) -> str:
        return hashlib.sha1(self.source.encode()).hexdigest()


COMMIT = Script(WITH_SEQ_LUA + COMMIT_LUA)
SINCE = Script(SINCE_LUA)
REDACT = Script(WITH_SEQ_LUA + REDACT_LUA)


def decode_line(raw: bytes | str) -> LoggedEvent:
    """Turn a log or feed line back into an event.

    Raises:
        ValueError: Not a line written by ``COMMIT_LUA``.
    """
    text = raw.decode() if isinstance(raw, bytes) else raw
    room_id, seq, audience, name, effects, payload = text.split("\n", 5)
    return LoggedEvent(
        room_id=RoomId(room_id),
        seq=int(seq),
        audience=audience,
        name=name,
        payload=payload,
        effects=effects,
    )
