#!/usr/bin/env node
// A server that behaves like an engine loading its model: it listens at once but answers
// /health with 503 "Loading model" until --delay ms have passed, then logs that it is
// listening (as llama-server does) and answers 200. With --exit-after it instead exits
// with --exit-code after printing some log lines, like an engine that fails to load.
import { createServer } from "node:http";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const port = Number(option("port", "0"));
const delay = Number(option("delay", "0"));
const exitAfter = option("exit-after", undefined);
const silent = args.includes("--silent");
const started = Date.now();
let ready = false;

const server = createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(ready ? 200 : 503, { "content-type": "application/json" });
    res.end(ready ? '{"status":"ok"}' : '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}');
    return;
  }
  res.writeHead(404);
  res.end();
});

server.listen(port, "127.0.0.1", () => {
  console.log(`loading model (ready in ${delay} ms)`);
  if (exitAfter !== undefined) {
    setTimeout(() => {
      for (let i = 1; i <= 60; i++) console.error(`load error line ${i}`);
      console.error("error: failed to load model");
      process.exit(Number(option("exit-code", "1")));
    }, Number(exitAfter));
    return;
  }
  setTimeout(() => {
    ready = true;
    if (!silent) console.log(`READY_AT ${Date.now()} main: server is listening on http://127.0.0.1:${port}`);
  }, Math.max(0, delay - (Date.now() - started)));
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
