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
// `node loadgen.mjs --self-test` checks the receivers' scanners (see selfTest).
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

// Receiving is the load generator's hot path: every message reaches 30 or 31
// receivers in this process, so at 300 messages/s per room it handles about
// 93,000 deliveries a second. Each adapter's `listen(socket, onDelivery)`
// calls `onDelivery(step, seq, ts)` once for every copy received, with
// numbers (no object per delivery). On the lean client an adapter's `scan`
// reads those three numbers straight from the frame's bytes when the frame
// is exactly the shape it expects, and answers false otherwise: the frame
// then takes the general path (the text decoded, JSON.parse, the event's
// handler), as every frame did before. Either path gives the same numbers
// for the same frame (run `node loadgen.mjs --self-test`).

const LETTER_VALUE = new Int8Array(256).fill(-1); // LETTER_DIGITS' letter -> digit
const DIGIT_VALUE = new Int8Array(256).fill(-1); // "0".."9" -> 0..9
for (let d = 0; d < 10; d++) DIGIT_VALUE[48 + d] = d;
const MAX_DIGITS = 15; // every run of up to 15 digits is an exact integer in a double

// True when `frame` holds `bytes` at `at`.
function bytesAt(frame, at, bytes) {
  if (at + bytes.length > frame.length) return false;
  for (let i = 0; i < bytes.length; i++) if (frame[at + i] !== bytes[i]) return false;
  return true;
}

// Scanners leave what they read here (one object for the whole process).
const scanned = { step: 0, seq: 0, ts: 0, at: 0 };

// A JSON number at `at` as JavaScript's JSON.parse reads the plain forms
// JSON.stringify writes for these fields (digits, an optional fraction; no
// sign, exponent or leading zero before more digits); leaves it in
// scanned.ts and the index after it in scanned.at. False for anything else.
function scanNumber(frame, at) {
  let whole = 0;
  let digits = 0;
  let c = frame[at];
  while (at < frame.length && DIGIT_VALUE[c] >= 0) {
    whole = whole * 10 + DIGIT_VALUE[c];
    digits += 1;
    c = frame[++at];
  }
  const leadingZero = digits > 1 && frame[at - digits] === 48; // JSON has none
  if (digits === 0 || digits > MAX_DIGITS || leadingZero) return false;
  let value = whole;
  if (c === 46 /* "." */) {
    let fraction = 0;
    let scale = 1;
    let fractionDigits = 0;
    c = frame[++at];
    while (at < frame.length && DIGIT_VALUE[c] >= 0) {
      fraction = fraction * 10 + DIGIT_VALUE[c];
      scale *= 10;
      fractionDigits += 1;
      c = frame[++at];
    }
    if (fractionDigits === 0 || fractionDigits > 20) return false;
    // Within a few units in the last place of JSON.parse's value (1e-9 ms for
    // these times): far below the histogram's 0.1 ms buckets.
    value = whole + fraction / scale;
  }
  scanned.ts = value;
  scanned.at = at;
  return true;
}

const REF_PREFIX = Buffer.from('42["chat",{"room":"');
const REF_STEP = Buffer.from(',"step":');
const REF_SEQ = Buffer.from(',"seq":');
const REF_TS = Buffer.from(',"ts":');
const REF_PAD = Buffer.from(',"pad":"');

// 42["chat",{"room":"<no quote or backslash>","step":N,"seq":N,"ts":N.N,"pad":"
// Both references send the sender's object back with its keys in the order it
// was sent (Node's JSON.stringify; python-socketio's json.dumps with
// separators (",", ":")), and the sender writes it in this order.
function scanReference(frame) {
  if (!bytesAt(frame, 0, REF_PREFIX)) return false;
  let at = REF_PREFIX.length; // the room's name: up to its closing quote, no escape in it
  while (at < frame.length && frame[at] !== 34 /* '"' */) {
    if (frame[at] === 92 /* backslash */) return false;
    at += 1;
  }
  at += 1;
  if (!bytesAt(frame, at, REF_STEP) || !scanNumber(frame, at + REF_STEP.length)) return false;
  if (scanned.ts !== Math.floor(scanned.ts)) return false;
  const step = scanned.ts;
  at = scanned.at;
  if (!bytesAt(frame, at, REF_SEQ) || !scanNumber(frame, at + REF_SEQ.length)) return false;
  if (scanned.ts !== Math.floor(scanned.ts)) return false;
  const seq = scanned.ts;
  at = scanned.at;
  if (!bytesAt(frame, at, REF_TS) || !scanNumber(frame, at + REF_TS.length)) return false;
  if (!bytesAt(frame, scanned.at, REF_PAD)) return false;
  scanned.step = step;
  scanned.seq = seq;
  return true;
}

// The general path: the event's object, as socket.io-client hands it over.
function referenceDelivery(onDelivery) {
  return (message) => {
    if (message && typeof message === "object") onDelivery(message.step, message.seq, message.ts);
    else onDelivery(undefined, undefined, undefined);
  };
}

const referenceAdapter = {
  receiverIncludesSender: false,
  async join(socket, room) {
    await socket.emitWithAck("join", room.name);
  },
  send(socket, room, payload) {
    socket.emit("chat", { room: room.name, ...payload });
  },
  listen(socket, onDelivery) {
    socket.on("chat", referenceDelivery(onDelivery));
    if (socket.setScanner) {
      socket.setScanner((frame) => {
        if (!scanReference(frame)) return false;
        onDelivery(scanned.step, scanned.seq, scanned.ts);
        return true;
      });
    }
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
  listen(socket, onDelivery) {
    socket.on("chat.message_posted", (event) => {
      const parts = typeof event?.text === "string" ? event.text.split(" ", 3) : [];
      if (parts.length < 3) return;
      const [step, seq, micros] = parts.map(fromLetters);
      onDelivery(step, seq, micros / 1000);
    });
    if (socket.setScanner) {
      socket.setScanner((frame) => {
        if (!scanJumelage(frame)) return false;
        onDelivery(scanned.step, scanned.seq, scanned.ts);
        return true;
      });
    }
  },
};

const JUMELAGE_PREFIX = Buffer.from('42["chat.message_posted",{');
const JUMELAGE_TEXT = Buffer.from(',"text":"');
for (let d = 0; d < 10; d++) LETTER_VALUE[LETTER_DIGITS.charCodeAt(d)] = d;

// 42["chat.message_posted",{...,"text":"<letters> <letters> <letters> ...
// chat.message_posted's fields are flat (docs/protocol.md; the server writes
// them in one order: protocol.events.chat.posted_body), and no JSON string
// can hold ,"text":" (a quote inside one is escaped), so the first one after
// the opening brace is the event's own text. Its first three words, each
// one to 15 letters of LETTER_DIGITS followed by one space, are the step,
// the sequence number and the send time in microseconds, as the general
// path's split(" ", 3) and fromLetters read them.
function scanJumelage(frame) {
  if (!bytesAt(frame, 0, JUMELAGE_PREFIX)) return false;
  const key = frame.indexOf(JUMELAGE_TEXT, JUMELAGE_PREFIX.length);
  if (key < 0) return false;
  let at = key + JUMELAGE_TEXT.length;
  let step = 0;
  let seq = 0;
  for (let word = 0; word < 3; word++) {
    let value = 0;
    let letters = 0;
    let c = frame[at];
    while (at < frame.length && LETTER_VALUE[c] >= 0) {
      value = value * 10 + LETTER_VALUE[c];
      letters += 1;
      c = frame[++at];
    }
    if (letters === 0 || letters > MAX_DIGITS || c !== 32 /* " " */) return false;
    at += 1;
    if (word === 0) step = value;
    else if (word === 1) seq = value;
    else {
      scanned.step = step;
      scanned.seq = seq;
      scanned.ts = value / 1000;
    }
  }
  return true;
}

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
    const options = {
      perMessageDeflate: compress ? { threshold: 1024 } : false,
      // What this client checks is the events' numbers (step, seq, send
      // time): the general path decodes a text frame as before (invalid
      // UTF-8 there becomes U+FFFD instead of closing the socket), the
      // scanners read ASCII bytes only.
      skipUTF8Validation: true,
    };
    if (localAddress) options.localAddress = localAddress;
    this.handlers = new Map();
    this.acks = new Map();
    this.nextAck = 1;
    this.auth = member.auth || null;
    this.scanner = null;
    this.ws = new WebSocket(url, options);
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ws.on("message", (data, isBinary) => {
      if (!isBinary) this.onFrame(data);
    });
    this.ws.on("open", () => this.readFrames());
    this.ws.on("error", (error) => this.rejectReady(error));
    this.ws.on("close", () => this.rejectReady(new Error("closed before connecting")));
  }

  // Read the server's frames off the TCP socket here instead of through ws's
  // Receiver (a Writable stream with a state machine per frame, then an
  // EventEmitter): about an eighth of this process's CPU at 250 messages/s
  // per room. Only what Engine.IO sends uncompressed takes
  // this path: single unmasked text frames (FIN, no RSV bit, opcode 1) up to
  // 65,535 bytes. At the first frame of any other kind (ping, close,
  // continuation, binary, a longer one) the socket goes back to ws for good,
  // from that frame's first byte, so ws sees a well-formed stream. Sockets
  // with permessage-deflate stay with ws throughout, as do sockets whose ws
  // internals are not the ones this was written against (ws 8: the socket's
  // `socketOnData` listener, `_receiver._bufferedBytes`).
  readFrames() {
    const ws = this.ws;
    const socket = ws._socket;
    if (ws.extensions !== "" || !socket || !ws._receiver || ws._receiver._bufferedBytes !== 0) {
      return;
    }
    const wsOnData = socket.listeners("data").find((listener) => listener.name === "socketOnData");
    if (!wsOnData) return;
    let pending = null; // the start of a frame that the next chunk completes
    const onData = (chunk) => {
      const data = pending === null ? chunk : Buffer.concat([pending, chunk]);
      pending = null;
      let at = 0;
      while (at < data.length) {
        const left = data.length - at;
        if (left < 2) {
          pending = data.subarray(at);
          return;
        }
        let length = data[at + 1];
        let header = 2;
        if (data[at] !== 0x81 /* FIN, text */ || length > 126 /* masked, or 64-bit length */) {
          socket.removeListener("data", onData);
          socket.on("data", wsOnData);
          wsOnData.call(socket, data.subarray(at));
          return;
        }
        if (length === 126) {
          if (left < 4) {
            pending = data.subarray(at);
            return;
          }
          length = (data[at + 2] << 8) | data[at + 3];
          header = 4;
        }
        if (left < header + length) {
          pending = data.subarray(at);
          return;
        }
        this.onFrame(data.subarray(at + header, at + header + length));
        at += header + length;
      }
    };
    socket.removeListener("data", wsOnData);
    socket.on("data", onData);
  }

  // `scan(frame)`: reads an event frame's bytes and answers true when it
  // handled it, false to leave it to the general path (see the adapters).
  setScanner(scan) {
    this.scanner = scan;
  }

  // A text frame's bytes (a Buffer: ws hands text over undecoded).
  onFrame(data) {
    const kind = data[0];
    if (kind === 52 /* "4" message */) {
      eventFrames += 1;
      eventBytes += data.length; // bytes: the characters of ASCII frames
      if (data[1] === 50 /* "2" event */ && this.scanner !== null && this.scanner(data)) return;
      this.onPacket(data.toString());
    } else if (kind === 50 /* "2" ping */) {
      this.ws.send("3");
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
  state.onDelivery = (step, seq, ts) => {
    if (step !== currentStep) {
      staleMessages += 1;
      return;
    }
    record(now() - ts);
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
      adapter.listen(socket, receiver.onDelivery);
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

// ---------------------------------------------------------------------------
// node loadgen.mjs --self-test: each adapter's scanner against the general
// path (JSON.parse and the event's handler) on frames written as the servers
// write them, on edge cases, and on random mutations of them. Wherever the
// scanner reads a frame that JSON.parse reads too, both must give the same
// step, seq and send time (within 1e-9 ms); the frames it declines go the
// general path, as before. Exits 1 on any difference.

function selfTest() {
  let seed = 20261129;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const int = (n) => Math.floor(random() * n);
  const report = { compared: 0, scanned: 0, declined: 0, malformed_scanned: 0, failures: [] };

  function probe(adapterName) {
    const got = { general: null, scanner: null, scan: null, handlers: new Map() };
    const socket = {
      on: (event, handler) => got.handlers.set(event, handler),
      setScanner: (scan) => {
        got.scan = scan;
      },
    };
    let into = "general";
    ADAPTERS[adapterName].listen(socket, (step, seq, ts) => {
      got[into] = { step, seq, ts };
    });
    return (frameText) => {
      got.general = null;
      got.scanner = null;
      let parsed = true;
      into = "general";
      try {
        const args = JSON.parse(frameText.slice(2));
        const handler = Array.isArray(args) ? got.handlers.get(args[0]) : undefined;
        if (handler) handler(args[1]);
      } catch {
        parsed = false;
      }
      into = "scanner";
      const accepted = got.scan(Buffer.from(frameText));
      return { parsed, accepted, general: got.general, scanner: got.scanner };
    };
  }

  const same = (a, b) =>
    a !== null &&
    b !== null &&
    Object.is(a.step, b.step) &&
    Object.is(a.seq, b.seq) &&
    (Object.is(a.ts, b.ts) || Math.abs(a.ts - b.ts) <= 1e-9);

  function check(run, frameText, mustScan) {
    const r = run(frameText);
    report.compared += 1;
    if (!r.accepted) {
      report.declined += 1;
      if (mustScan) report.failures.push({ declined: frameText });
      return;
    }
    report.scanned += 1;
    if (!r.parsed) {
      report.malformed_scanned += 1; // the old client threw on these (JSON.parse)
    } else if (!same(r.general, r.scanner)) {
      report.failures.push({ frame: frameText, general: r.general, scanner: r.scanner });
    }
  }

  const ref = probe("node-ref");
  const jum = probe("jumelage");
  const refFrame = (room, step, seq, ts, pad) =>
    `42${JSON.stringify(["chat", { room, step, seq, ts, pad }])}`;
  const jumFrame = (text, extra = {}) =>
    `42${JSON.stringify([
      "chat.message_posted",
      {
        seq: 1 + int(100000),
        message_id: "01a229a4-1dbe-7b13-8d4a-545687453398",
        participant_id: "ffdddf68-cb23-4a21-b992-d08706f0bb10",
        text,
        sent_at: "2026-11-29T23:29:11.102076Z",
        group_id: null,
        client_msg_id: "m2-1",
        channel: "room",
        to_participant_id: null,
        links_allowed: false,
        edited: false,
        ...extra,
      },
    ])}`;
  const sentTs = () => [random() * 1e7, int(1e7), random() * 10, 1e6 + random()][int(4)];
  const valid = [];
  for (let i = 0; i < 20000; i++) {
    const step = int(1000);
    const seq = 1 + int(10000);
    const ts = sentTs();
    const r = refFrame(`room-${int(20)}`, step, seq, ts, "x".repeat(int(120)));
    check(ref, r, !String(ts).includes("e")); // 1e-7: the general path's
    const measured = [step, seq, Math.round(ts * 1000)];
    const text = `${measured.map(toLetters).join(" ")} ${chatSentence(int(300))}`;
    const j = jumFrame(text);
    check(jum, j, true);
    valid.push(r, j);
  }
  const edge = [
    refFrame('ro"om', 1, 2, 3.5, "x"), // an escaped quote in the room's name
    refFrame("room-0", 1, 2, 1e21, "x"), // exponent
    refFrame("room-0", 1, 2, 1e-7, "x"),
    refFrame("room-0", -1, 2, 3, "x"),
    refFrame("room-0", 1.5, 2, 3, "x"),
    refFrame("room-0", 1, 2, "3", "x"),
    refFrame("room-0", 1, 2, null, "x"),
    `42${JSON.stringify(["chat", { step: 1, room: "room-0", seq: 2, ts: 3, pad: "" }])}`,
    `42${JSON.stringify(["chat", { room: "room-0", step: 1, seq: 2, ts: 3 }])}`,
    `42${JSON.stringify(["chat", "text"])}`,
    `421${JSON.stringify(["chat", { room: "r", step: 1, seq: 2, ts: 3, pad: "" }])}`,
    '42["chat",{"room":"room-0","step":01,"seq":2,"ts":3,"pad":""}]',
    '42["chat",{"room":"room-0","step":1,"seq":2,"ts":3.,"pad":""}]',
    '42["chat",{"room":"room-0","step":1,"seq":2,"ts":3.25,"pad":""}]',
    '42["chat", {"room":"room-0","step":1,"seq":2,"ts":3.25,"pad":""}]',
    jumFrame("c c"),
    jumFrame("c c c"),
    jumFrame("c c cd"),
    jumFrame("c  c cd x"),
    jumFrame("c c1 cd x"),
    jumFrame("c c cz x"),
    jumFrame("\"c c cd x"),
    jumFrame('c c cd "quoted" \\ x'),
    jumFrame("bbbbbbbbbbbbbbbc c cd x"),
    jumFrame("cccccccccccccccc c cd x"),
    jumFrame("c c cd \u00e9t\u00e9 \u2028 x"),
    jumFrame("c c cd x", { message_id: ',"text":"d d d ' }),
    jumFrame("c c cd x", { edited: true }),
    `42${JSON.stringify(["chat.message_held", { text: "c c cd x" }])}`,
    `43${JSON.stringify(["chat.message_posted", { text: "c c cd x" }])}`,
  ];
  for (const frame of edge) {
    check(ref, frame, false);
    check(jum, frame, false);
  }
  const alphabet = '"\\,:{}[] 0123456789.-ebcdx';
  for (let i = 0; i < 200000; i++) {
    const base = valid[int(valid.length)];
    const chars = [...base];
    for (let k = 1 + int(3); k > 0; k--) {
      const at = int(Math.min(chars.length, 240));
      const what = int(3);
      if (what === 0) chars[at] = alphabet[int(alphabet.length)];
      else if (what === 1) chars.splice(at, 1);
      else chars.splice(at, 0, alphabet[int(alphabet.length)]);
    }
    const frame = chars.join("");
    check(base.startsWith('42["chat",') ? ref : jum, frame, false);
  }
  const ok = report.failures.length === 0;
  report.failures = report.failures.slice(0, 5);
  process.stdout.write(`${JSON.stringify({ ok, ...report })}\n`);
  process.exit(ok ? 0 : 1);
}

if (process.argv.includes("--self-test")) selfTest();

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
