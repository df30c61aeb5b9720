// The Node reference for bench/chat_fanout.py: a minimal Socket.IO 4 server
// that lets a client join a room by name and broadcasts every "chat" event to
// the rest of that room. Nothing else: no auth, no storage, no sequencing.
//
//   node ref_server.mjs --port 9101 [--compress] [--threshold 0]
//
// --compress enables permessage-deflate (off by default in socket.io 4);
// --threshold is the smallest payload it compresses (0: every message).
// Prints "listening <port>" on stdout once it accepts connections.

import { createServer } from "node:http";
import { Server } from "socket.io";

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const port = Number(option("--port", "9101"));
const compress = process.argv.includes("--compress");
const threshold = Number(option("--threshold", "0"));

const http = createServer();
const io = new Server(http, {
  transports: ["websocket"],
  perMessageDeflate: compress ? { threshold } : false,
  serveClient: false,
});

io.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    socket.join(String(room));
    if (typeof ack === "function") ack({ ok: true });
  });
  socket.on("chat", (message) => {
    const room = message && message.room;
    if (typeof room === "string") socket.to(room).emit("chat", message);
  });
});

http.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${port}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
