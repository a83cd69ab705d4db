import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ResponseParser, type ResponseHead } from "../../../src/serve/transport/http-parser.js";
import { HttpPool } from "../../../src/serve/transport/http-pool.js";
import type { TransportHandler } from "../../../src/serve/transport/types.js";

interface Parsed {
  heads: ResponseHead[];
  body: string;
  complete: boolean;
}

function parse(reads: Buffer[]): Parsed {
  const parsed: Parsed = { heads: [], body: "", complete: false };
  const parser = new ResponseParser({
    head: (head) => parsed.heads.push(head),
    body: (bytes) => (parsed.body += bytes.toString("latin1")),
    complete: () => (parsed.complete = true),
  });
  for (const read of reads) parser.push(read, 0, read.length);
  return parsed;
}

/** Parses `response` whole, split at every byte, and one byte per read; all must agree. */
function parseEverySplit(response: string): Parsed {
  const bytes = Buffer.from(response, "latin1");
  const whole = parse([bytes]);
  for (let at = 1; at < bytes.length; at++) {
    expect(parse([bytes.subarray(0, at), bytes.subarray(at)]), `split at byte ${at}`).toEqual(whole);
  }
  expect(parse(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))).toEqual(whole);
  return whole;
}

describe("HTTP/1.1 response parser", () => {
  it("reads a chunked body with chunk extensions and trailers", () => {
    const response =
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "7\r\ndata: a\r\n" +
      "9;ext=1\r\n\n\ndata: b\r\n" +
      "0\r\nx-trailer: 1\r\n\r\n";
    expect(parseEverySplit(response)).toEqual({
      heads: [{ statusCode: 200, keepAlive: true, keepAliveTimeoutMs: undefined }],
      body: "data: a\n\ndata: b",
      complete: true,
    });
  });

  it("reads a Content-Length body and the server's keep-alive limit", () => {
    const response = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nKeep-Alive: timeout=5\r\n\r\noops!";
    expect(parseEverySplit(response)).toEqual({
      heads: [{ statusCode: 500, keepAlive: true, keepAliveTimeoutMs: 5000 }],
      body: "oops!",
      complete: true,
    });
  });

  it("skips a 100 Continue and reads the real answer", () => {
    const response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    expect(parseEverySplit(response)).toEqual({
      heads: [{ statusCode: 204, keepAlive: false, keepAliveTimeoutMs: undefined }],
      body: "",
      complete: true,
    });
  });

  it("reads a body without length until the connection closes", () => {
    const events: string[] = [];
    const parser = new ResponseParser({ head: () => events.push("head"), body: (b) => events.push(b.toString()), complete: () => events.push("complete") });
    const bytes = Buffer.from("HTTP/1.0 200 OK\r\n\r\ndata: x\n\n");
    parser.push(bytes, 0, bytes.length);
    expect(parser.readsUntilClose).toBe(true);
    expect(parser.closed()).toBe(true);
    expect(events).toEqual(["head", "data: x\n\n", "complete"]);
    expect(parser.reusable).toBe(false);
  });

  it("rejects malformed answers and bytes after the end", () => {
    expect(() => parse([Buffer.from("SSH-2.0-OpenSSH\r\n\r\n")])).toThrow(/bad status line/);
    expect(() => parse([Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")])).toThrow(/bad chunk size/);
    expect(() => parse([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab")])).toThrow(/after the end/);
  });
});

/** A handler that gathers what the transport reports. */
function collector(): TransportHandler & { result: Promise<{ status: number; body: string; error?: Error }>; abort?: (reason: Error) => void } {
  let status = 0;
  let body = "";
  let settle: (value: { status: number; body: string; error?: Error }) => void = () => {};
  const handler = {
    result: new Promise<{ status: number; body: string; error?: Error }>((resolve) => (settle = resolve)),
    abort: undefined as ((reason: Error) => void) | undefined,
    onStart(abort: (reason: Error) => void) {
      handler.abort = abort;
    },
    onRequestWritten() {},
    onResponseStart(code: number) {
      status = code;
    },
    onResponseData(chunk: Buffer) {
      body += chunk.toString();
    },
    onResponseEnd() {
      settle({ status, body });
    },
    onResponseError(error: Error) {
      settle({ status, body, error });
    },
  };
  return handler;
}

const request = { path: "/echo", headers: { "content-type": "application/json" }, body: '{"prompt":"héllo"}' };

describe("fast HTTP connection pool", () => {
  let server: Server | NetServer | undefined;
  let pool: HttpPool | undefined;

  afterEach(async () => {
    await pool?.close();
    if (server) {
      if ("closeAllConnections" in server) server.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
    server = undefined;
    pool = undefined;
  });

  async function listen(created: Server | NetServer): Promise<URL> {
    server = created;
    await new Promise<void>((resolve) => created.listen(0, "127.0.0.1", resolve));
    return new URL(`http://127.0.0.1:${(created.address() as AddressInfo).port}`);
  }

  it("sends the body with its byte length and reuses one keep-alive connection", async () => {
    const sockets = new Set<Socket>();
    const url = await listen(
      createHttpServer((req, res) => {
        sockets.add(req.socket);
        let text = "";
        req.setEncoding("utf8").on("data", (part: string) => (text += part));
        req.on("end", () => {
          res.writeHead(200, { "content-type": "text/plain" });
          res.write(`${req.headers["content-length"]} `);
          res.end(text);
        });
      }),
    );
    pool = new HttpPool(url, { maxConnections: 4, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 });
    for (let round = 0; round < 3; round++) {
      const handler = collector();
      pool.send(request, handler);
      expect(await handler.result).toEqual({ status: 200, body: `19 ${request.body}` });
    }
    expect(sockets.size).toBe(1);
  });

  it("opens a new connection when the server closes one after answering", async () => {
    let connections = 0;
    const url = await listen(
      createHttpServer((req, res) => {
        req.resume();
        req.on("end", () => res.writeHead(200, { connection: "close" }).end("bye"));
      }).on("connection", () => connections++),
    );
    pool = new HttpPool(url, { maxConnections: 1, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 });
    for (let round = 0; round < 2; round++) {
      const handler = collector();
      pool.send(request, handler);
      expect(await handler.result).toEqual({ status: 200, body: "bye" });
    }
    expect(connections).toBe(2);
  });

  it("queues requests beyond the connection limit and sends them as connections free up", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const url = await listen(
      createHttpServer((req, res) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        req.resume();
        setTimeout(() => {
          inFlight--;
          res.end("ok");
        }, 20);
      }),
    );
    pool = new HttpPool(url, { maxConnections: 2, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 });
    const handlers = Array.from({ length: 6 }, () => collector());
    for (const handler of handlers) pool.send(request, handler);
    const results = await Promise.all(handlers.map((handler) => handler.result));
    expect(results.every((result) => result.status === 200 && result.body === "ok")).toBe(true);
    expect(maxInFlight).toBe(2);
  });

  it("reports a refused connection, a connection cut mid-body, an abort and a silent server", async () => {
    const url = await listen(
      createNetServer((socket) => {
        socket.once("data", (data) => {
          if (data.toString().includes('"cut"')) {
            socket.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
          }
          // any other request gets no answer at all
        });
      }),
    );
    pool = new HttpPool(url, { maxConnections: null, headersTimeoutMs: 1_500, bodyTimeoutMs: 5_000 });

    const cut = collector();
    pool.send({ ...request, body: '"cut"' }, cut);
    const cutResult = await cut.result;
    expect(cutResult.status).toBe(200);
    expect(cutResult.error).toMatchObject({ code: "UND_ERR_SOCKET" });

    const aborted = collector();
    pool.send(request, aborted);
    aborted.abort?.(new Error("stop"));
    expect((await aborted.result).error?.message).toBe("stop");

    const silent = collector();
    pool.send(request, silent);
    expect((await silent.result).error).toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" });

    const closedPort = new HttpPool(new URL("http://127.0.0.1:1"), { maxConnections: 1, headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000 });
    const refused = collector();
    closedPort.send(request, refused);
    expect((await refused.result).error).toMatchObject({ code: "ECONNREFUSED" });
    await closedPort.close();
  });
});
