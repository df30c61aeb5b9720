// Load generator for bench/chat_fanout.py: rooms of Socket.IO clients, one
// sender per room at a fixed rate (our server's per-user chat limit is raised
// through its settings for the run), every receiver measuring latency, loss
// and duplicates. Driven by the orchestrator over stdin/stdout, one JSON
// object per line each way; progress and errors go to stderr.
//
// Commands (each answered by one line {"ok": true, ...} or {"ok": false, "error"}):
//   {"cmd": "setup", "adapter": "node-ref"|"py-ref"|"jumelage", "compress": bool,
//    "client": "lean"|"socket.io-client",
//    "rooms": [{"name": str, "sender": int,
//               "members": [{"url": str, "auth": {...}|null, "token": str|null}]}]}
//       connect every member (websocket only) and join its room.
//   {"cmd": "step", "step": int, "rate": msgs/s per sender, "seconds": s, "drain_s": s}
//       send for `seconds`, wait until everything arrived or `drain_s` passed,
//       answer counts, latency percentiles and this process's own CPU.
//   {"cmd": "idle", "adapter", "compress", "members": [...], "concurrency": n,
//    "local_addresses": ["127.0.0.2", ...]}
//       open one connection per member, nothing else; answer the time it took.
//   {"cmd": "close"}  close every connection (rooms and idle ones).
//   {"cmd": "exit"}
//
// Latency is measured on one clock: sender and receivers live in this process.

import { createInterface } from "node:readline";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { io } from "socket.io-client";
import { WebSocket } from "ws";

const CONNECT_TIMEOUT_MS = 20000;
const ACK_TIMEOUT_MS = 20000;
const TICK_MS = 2;
const CHAT_FRAME_BYTES = 200; // the whole "42[...]" frame a reference receives
const HIST_BUCKET_MS = 0.1;
const HIST_BUCKETS = 50000; // up to 5 s; slower deliveries land in the last one

const now = () => performance.now();
const log = (text) => process.stderr.write(`loadgen: ${text}\n`);

// ---------------------------------------------------------------------------
// Adapters: the only target-specific code. Each turns the common operations
// into the target's events. `payload` is {step, seq, ts, pad}.

function clientOptions(member, compress, localAddress) {
  const options = {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    // Browsers offer permessage-deflate; socket.io-client offers it by default too.
    perMessageDeflate: compress ? { threshold: 1024 } : false,
  };
  if (member.auth) options.auth = member.auth;
  if (localAddress) options.localAddress = localAddress;
  return options;
}

const referenceAdapter = {
  receiverIncludesSender: false,
  async join(socket, room) {
    await socket.emitWithAck("join", room.name);
  },
  send(socket, room, payload) {
    socket.emit("chat", { room: room.name, ...payload });
  },
  listen(socket, onPayload) {
    socket.on("chat", onPayload);
  },
};

// Our chat goes through moderation: digits would make every message a phone
// number candidate for the personal-data check, and one long run of "x" a
// stretched word, which classroom chat is not. So the measured numbers travel
// as consonants (digit d is LETTER_DIGITS[d]) and the padding is a sentence.
const LETTER_DIGITS = "bcdfghjklm";
const toLetters = (n) => [...String(n)].map((d) => LETTER_DIGITS[Number(d)]).join("");
const fromLetters = (text) => Number([...text].map((c) => LETTER_DIGITS.indexOf(c)).join(""));
const CHAT_WORDS = "we are reading a story about the river and the old bridge in our town ";
const chatSentence = (length) =>
  CHAT_WORDS.repeat(Math.ceil(length / CHAT_WORDS.length) + 1)
    .slice(0, length)
    .trim();

// Our server, speaking docs/protocol.md (protocol 1): the join token travels
// in the Socket.IO auth payload ({token, protocol: 1}, set by the
// orchestrator), `room.join` answers {ok, data: {status}}, `chat.send`
// {text, client_msg_id} is acknowledged with {ok, data: {message_id, seq}},
// and `chat.message_posted` (with `text`) reaches the whole room, the sender
// included. The measured fields travel inside the chat text.
const jumelageAdapter = {
  receiverIncludesSender: true,
  async join(socket) {
    const answer = await socket.emitWithAck("room.join", {});
    if (!answer || answer.ok !== true || !answer.data || answer.data.status !== "joined") {
      throw new Error(`room.join: ${JSON.stringify(answer)}`);
    }
  },
  send(socket, room, payload) {
    const measured = [payload.step, payload.seq, Math.round(payload.ts * 1000)];
    const text = `${measured.map(toLetters).join(" ")} ${chatSentence(payload.pad.length)}`;
    socket
      .emitWithAck("chat.send", { text, client_msg_id: `m${payload.step}-${payload.seq}` })
      .then(
        (answer) => {
          if (!answer || answer.ok !== true) refused(answer && answer.error && answer.error.code);
        },
        () => refused("no_ack"),
      );
  },
  listen(socket, onPayload) {
    socket.on("chat.message_posted", (event) => {
      const parts = typeof event?.text === "string" ? event.text.split(" ", 3) : [];
      if (parts.length < 3) return;
      const [step, seq, micros] = parts.map(fromLetters);
      onPayload({ step, seq, ts: micros / 1000 });
    });
  },
};

const ADAPTERS = {
  "node-ref": referenceAdapter,
  "py-ref": referenceAdapter,
  jumelage: jumelageAdapter,
};

function adapterFor(name) {
  const adapter = ADAPTERS[name];
  if (!adapter) throw new Error(`unknown adapter ${name}`);
  return adapter;
}

// A lean Socket.IO v5 / Engine.IO v4 client over a bare websocket: the same
// wire protocol as socket.io-client, without its buffering, reconnection and
// event-emitter layers, so that one core can receive several times more
// messages. It answers pings, connects the main namespace with `auth`, emits
// events with or without an ack and dispatches incoming events.
class LeanSocket {
  constructor(member, compress, localAddress) {
    const url = new URL(member.url);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.pathname = "/socket.io/";
    url.search = "?EIO=4&transport=websocket";
    const options = { perMessageDeflate: compress ? { threshold: 1024 } : false };
    if (localAddress) options.localAddress = localAddress;
    this.handlers = new Map();
    this.acks = new Map();
    this.nextAck = 1;
    this.auth = member.auth || null;
    this.ws = new WebSocket(url, options);
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ws.on("message", (data, isBinary) => this.onFrame(isBinary ? data : data.toString()));
    this.ws.on("error", (error) => this.rejectReady(error));
    this.ws.on("close", () => this.rejectReady(new Error("closed before connecting")));
  }

  onFrame(frame) {
    if (typeof frame !== "string") return;
    const kind = frame.charCodeAt(0);
    if (kind === 50 /* "2" ping */) {
      this.ws.send("3");
    } else if (kind === 52 /* "4" message */) {
      eventFrames += 1;
      eventBytes += frame.length;
      this.onPacket(frame);
    } else if (kind === 48 /* "0" open */) {
      this.ws.send(this.auth ? `40${JSON.stringify(this.auth)}` : "40");
    }
  }

  onPacket(frame) {
    const type = frame.charCodeAt(1);
    if (type === 50 /* "2" event */ || type === 51 /* "3" ack */) {
      let at = 2;
      while (at < frame.length && frame.charCodeAt(at) >= 48 && frame.charCodeAt(at) <= 57) at++;
      const id = at > 2 ? Number(frame.slice(2, at)) : null;
      const args = JSON.parse(frame.slice(at));
      if (type === 51) {
        const settle = this.acks.get(id);
        this.acks.delete(id);
        if (settle) settle(args[0]);
        return;
      }
      const handler = this.handlers.get(args[0]);
      if (handler) handler(args[1]);
    } else if (type === 48 /* "0" connected */) {
      this.resolveReady(this);
    } else if (type === 52 /* "4" connect error */) {
      this.rejectReady(new Error(`connect refused: ${frame.slice(2)}`));
    } else if (type === 49 /* "1" disconnect */) {
      this.ws.close();
    }
  }

  on(event, handler) {
    this.handlers.set(event, handler);
  }

  emit(event, data) {
    this.ws.send(`42${JSON.stringify([event, data])}`);
  }

  emitWithAck(event, data, timeoutMs = ACK_TIMEOUT_MS) {
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`${event}: no ack within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.ws.send(`42${id}${JSON.stringify([event, data])}`);
    });
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close() {
    this.ws.close();
  }
}

let clientKind = "lean"; // or "socket.io-client"

function connectSocketIoClient(member, compress, localAddress) {
  return new Promise((resolve, reject) => {
    const socket = io(member.url, clientOptions(member, compress, localAddress));
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("connect timed out"));
    }, CONNECT_TIMEOUT_MS + 1000);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve({
        on: (event, handler) => socket.on(event, handler),
        emit: (event, data) => socket.emit(event, data),
        emitWithAck: (event, data) => socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, data),
        close: () => socket.close(),
        get open() {
          return socket.connected;
        },
      });
    });
    socket.once("connect_error", (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

function connect(member, compress, localAddress) {
  if (clientKind !== "lean") return connectSocketIoClient(member, compress, localAddress);
  const socket = new LeanSocket(member, compress, localAddress);
  const timer = setTimeout(
    () => socket.rejectReady(new Error("connect timed out")),
    CONNECT_TIMEOUT_MS,
  );
  return socket.ready.then(
    (value) => {
      clearTimeout(timer);
      return value;
    },
    (error) => {
      clearTimeout(timer);
      socket.close();
      throw error;
    },
  );
}

// Run `work(item)` over `items` with at most `limit` in flight.
async function pooled(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { value: await work(items[index], index) };
      } catch (error) {
        results[index] = { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

// ---------------------------------------------------------------------------
// State

let roomSockets = []; // every socket of the room scenario
let rooms = []; // [{name, senders: [socket], receivers: [state], sent}]
let idleSockets = [];
let currentStep = -1;
let histogram = new Uint32Array(HIST_BUCKETS);
let maxLatencyMs = 0;
let staleMessages = 0;
let padText = "";
let eventFrames = 0; // Socket.IO packets received by the lean client, and their size
let eventBytes = 0;
let refusals = {}; // error code -> count, for acknowledged sends that failed

function refused(code) {
  const key = code || "unknown";
  refusals[key] = (refusals[key] || 0) + 1;
}

function record(latencyMs) {
  let bucket = Math.floor(latencyMs / HIST_BUCKET_MS);
  if (bucket >= HIST_BUCKETS) bucket = HIST_BUCKETS - 1;
  else if (bucket < 0) bucket = 0;
  histogram[bucket] += 1;
  if (latencyMs > maxLatencyMs) maxLatencyMs = latencyMs;
}

function percentileMs(q, total) {
  if (total === 0) return null;
  const rank = Math.ceil((q / 100) * total);
  let seen = 0;
  for (let i = 0; i < HIST_BUCKETS; i++) {
    seen += histogram[i];
    if (seen >= rank) return Math.round((i + 1) * HIST_BUCKET_MS * 10) / 10;
  }
  return Math.round(maxLatencyMs * 10) / 10;
}

function makeReceiver(room) {
  const state = { room, seen: new Uint8Array(0), unique: 0, dups: 0 };
  state.onPayload = (payload) => {
    if (!payload || payload.step !== currentStep) {
      staleMessages += 1;
      return;
    }
    record(now() - payload.ts);
    const seq = payload.seq;
    if (seq >= 1 && seq < state.seen.length && state.seen[seq] === 0) {
      state.seen[seq] = 1;
      state.unique += 1;
    } else {
      state.dups += 1;
    }
  };
  return state;
}

function chatPad(roomName) {
  // Pad so that a reference's frame 42["chat",{...}] is CHAT_FRAME_BYTES long.
  const sample = JSON.stringify([
    "chat",
    { room: roomName, step: 1, seq: 1000, ts: 123456.789, pad: "" },
  ]);
  return "x".repeat(Math.max(0, CHAT_FRAME_BYTES - 2 - sample.length));
}

// ---------------------------------------------------------------------------
// Commands

async function setup(command) {
  const adapter = adapterFor(command.adapter);
  const compress = Boolean(command.compress);
  const started = now();
  const plan = [];
  for (const room of command.rooms) {
    room.members.forEach((member, index) => plan.push({ room, member, index }));
  }
  const join = async ({ room, member }) => {
    const socket = await connect(member, compress);
    await adapter.join(socket, room, member);
    return socket;
  };
  // Senders (the rooms' teachers, for our server) first, then everyone else.
  const senders = plan.filter((p) => p.index === p.room.sender);
  const others = plan.filter((p) => p.index !== p.room.sender);
  const joined = [...(await pooled(senders, 64, join)), ...(await pooled(others, 64, join))];
  plan.splice(0, plan.length, ...senders, ...others);
  const results = joined;
  const failures = results.filter((r) => r.error);
  roomSockets = results.filter((r) => r.value).map((r) => r.value);
  if (failures.length) {
    throw new Error(
      `${failures.length} of ${plan.length} participants failed: ${failures[0].error.message}`,
    );
  }
  rooms = command.rooms.map((room) => ({ name: room.name, receivers: [], senders: [], sent: 0 }));
  results.forEach((result, i) => {
    const { room, index } = plan[i];
    const target = rooms[command.rooms.indexOf(room)];
    const socket = result.value;
    if (index === room.sender) target.senders.unshift(socket);
    if (index !== room.sender || adapter.receiverIncludesSender) {
      const receiver = makeReceiver(target);
      adapter.listen(socket, receiver.onPayload);
      target.receivers.push(receiver);
    }
  });
  padText = chatPad(rooms[0].name);
  return {
    connected: roomSockets.length,
    seconds: (now() - started) / 1000,
    receivers_per_room: rooms[0].receivers.length,
  };
}

function step(command, adapter) {
  const rate = Number(command.rate);
  const seconds = Number(command.seconds);
  const drainMs = Number(command.drain_s) * 1000;
  currentStep = Number(command.step);
  histogram = new Uint32Array(HIST_BUCKETS);
  maxLatencyMs = 0;
  staleMessages = 0;
  refusals = {};
  eventFrames = 0;
  eventBytes = 0;
  for (const room of rooms) {
    room.sent = 0;
    for (const receiver of room.receivers) {
      receiver.seen = new Uint8Array(Math.round(rate * seconds) + 2);
      receiver.unique = 0;
      receiver.dups = 0;
    }
  }
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const started = now();
  const sendUntil = started + seconds * 1000;
  const intervalMs = 1000 / rate;

  return new Promise((resolve) => {
    const tick = () => {
      const t = now();
      const sending = t < sendUntil;
      if (sending) {
        rooms.forEach((room, i) => {
          // Senders are staggered across one interval; each catches up to its schedule.
          const due = Math.floor((t - started - (i * intervalMs) / rooms.length) / intervalMs) + 1;
          const limit = Math.min(due, Math.round(rate * seconds));
          while (room.sent < limit) {
            room.sent += 1;
            const sender = room.senders[(room.sent - 1) % room.senders.length];
            adapter.send(sender, room, {
              step: currentStep,
              seq: room.sent,
              ts: now(),
              pad: padText,
            });
          }
        });
        setTimeout(tick, TICK_MS);
        return;
      }
      let missing = 0;
      for (const room of rooms) {
        for (const receiver of room.receivers) missing += room.sent - receiver.unique;
      }
      if (missing > 0 && t < sendUntil + drainMs) {
        setTimeout(tick, 10);
        return;
      }
      loopDelay.disable();
      const elapsedS = (now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const cpuS = (cpu.user + cpu.system) / 1e6;
      let sent = 0;
      let received = 0;
      let lost = 0;
      let dups = 0;
      let worstLoss = 0;
      for (const room of rooms) {
        sent += room.sent;
        for (const receiver of room.receivers) {
          const gone = room.sent - receiver.unique;
          received += receiver.unique;
          lost += gone;
          dups += receiver.dups;
          if (gone > worstLoss) worstLoss = gone;
        }
      }
      resolve({
        rate,
        seconds,
        senders_per_room: rooms[0].senders.length,
        sent,
        expected: sent * rooms[0].receivers.length,
        received,
        lost,
        duplicates: dups,
        worst_receiver_lost: worstLoss,
        // Sockets of the rooms the server closed (a slow reader it aborted):
        // the harness connects everyone again before the next step.
        closed_sockets: roomSockets.filter((socket) => !socket.open).length,
        stale: staleMessages,
        refused: refusals,
        mean_packet_chars: eventFrames ? Math.round(eventBytes / eventFrames) : null,
        p50_ms: percentileMs(50, received + dups),
        p90_ms: percentileMs(90, received + dups),
        p99_ms: percentileMs(99, received + dups),
        max_ms: Math.round(maxLatencyMs * 10) / 10,
        send_seconds: Math.min(seconds, elapsedS),
        elapsed_s: elapsedS,
        loadgen_cpu_s: cpuS,
        loadgen_core_share: cpuS / elapsedS,
        loadgen_loop_delay_p99_ms: loopDelay.percentile(99) / 1e6,
      });
    };
    setTimeout(tick, 0);
  });
}

async function idle(command) {
  const adapter = adapterFor(command.adapter);
  const compress = Boolean(command.compress);
  const addresses = command.local_addresses || [];
  const started = now();
  const results = await pooled(command.members, command.concurrency || 100, (member, i) =>
    connect(member, compress, addresses.length ? addresses[i % addresses.length] : undefined),
  );
  const seconds = (now() - started) / 1000;
  const failures = results.filter((r) => r.error);
  for (const r of results) if (r.value) idleSockets.push(r.value);
  void adapter;
  return {
    connected: idleSockets.length,
    failed: failures.length,
    first_error: failures.length ? String(failures[0].error.message) : null,
    seconds,
    loadgen_rss_mb: process.memoryUsage().rss / 2 ** 20,
  };
}

function closeAll() {
  const count = roomSockets.length + idleSockets.length;
  for (const socket of roomSockets) socket.close();
  for (const socket of idleSockets) socket.close();
  roomSockets = [];
  idleSockets = [];
  rooms = [];
  return { closed: count };
}

let activeAdapter = null;

async function handle(command) {
  switch (command.cmd) {
    case "setup":
      clientKind = command.client || "lean";
      activeAdapter = adapterFor(command.adapter);
      return setup(command);
    case "step":
      if (!rooms.length) throw new Error("step before setup");
      return step(command, activeAdapter);
    case "idle":
      clientKind = command.client || "lean";
      return idle(command);
    case "close":
      return closeAll();
    case "exit":
      closeAll();
      setTimeout(() => process.exit(0), 50);
      return {};
    default:
      throw new Error(`unknown command ${command.cmd}`);
  }
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    let answer;
    try {
      answer = { ok: true, ...(await handle(JSON.parse(line))) };
    } catch (error) {
      answer = { ok: false, error: String(error && error.message ? error.message : error) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
});
lines.on("close", () => {
  closeAll();
  setTimeout(() => process.exit(0), 50);
});
