/**
 * Some servers (llama.cpp's, for one) close a kept-alive connection right after each streamed
 * answer without saying `Connection: close`. A request written to such a connection in the
 * instant before the close arrives must be sent again on a fresh connection, not fail.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createTransport } from "../../../src/serve/transport/create-transport.js";

const sockets = new Set<Socket>();
let server: Server | undefined;

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** Answers one chunked SSE response per connection, then ends the connection. */
async function closingServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once("data", () => {
      const event = 'data: {"choices":[{"text":"hi","index":0}]}\n\n';
      const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=5, max=100\r\n\r\n`);
      socket.end(`${chunk(event)}${chunk("data: [DONE]\n\n")}0\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, connections: () => connections };
}

function send(transport: ReturnType<typeof createTransport>): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    transport.send(
      { path: "/v1/completions", headers: { "content-type": "application/json" }, body: "{}" },
      {
        onStart: () => undefined,
        onRequestWritten: () => undefined,
        onResponseStart: () => undefined,
        onResponseData: (bytes: Buffer) => void (body += bytes.toString()),
        onResponseEnd: () => resolve(body.includes("[DONE]") ? "ok" : "incomplete"),
        onResponseError: (error: Error) => resolve(`error: ${error.message}`),
      },
    );
  });
}

describe("fast transport against a server that closes after each response", () => {
  it("sends every request on a live connection and stops reusing closed ones", async () => {
    const { port, connections } = await closingServer();
    const transport = createTransport(`http://127.0.0.1:${port}`, { kind: "fast", connections: 1, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 });
    try {
      const results: string[] = [];
      for (let i = 0; i < 5; i++) results.push(await send(transport));
      expect(results).toEqual(["ok", "ok", "ok", "ok", "ok"]);
      // One connection per request, plus at most one that was tried before the pattern was learnt.
      expect(connections()).toBeGreaterThanOrEqual(5);
      expect(connections()).toBeLessThanOrEqual(6);
    } finally {
      await transport.close();
    }
  });
});
