/**
 * The fast transport: keep-alive HTTP/1.1 connections to one origin, one request at a time on
 * each. Every socket reads into one buffer shared by the thread (`onread`): libuv hands the
 * bytes straight to the response parser and on to the request's handler, with no stream object,
 * event or copy in between. Handlers must copy what they keep, which the SSE scanner does.
 */
import { connect, type Socket } from "node:net";
import { ResponseParser, type ResponseHead } from "./http-parser.js";
import type { Transport, TransportHandler, TransportRequest } from "./types.js";

/** One read buffer for every socket of this thread: reads are handled synchronously, one at a time. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const CONNECT_TIMEOUT_MS = 10_000;
/** How long an idle connection is kept, and how much sooner than the server's own keep-alive limit it is dropped. */
const IDLE_TIMEOUT_MS = 4_000;
const KEEP_ALIVE_MARGIN_MS = 1_000;
const TIMEOUT_SWEEP_MS = 1_000;

export interface HttpPoolOptions {
  /** Connections to open at most; null for no limit. */
  maxConnections: number | null;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** An error with a Node-style `code`, so failures classify like undici's. */
function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

export class HttpPool implements Transport {
  private readonly idle: HttpConnection[] = [];
  private readonly waiting: { request: TransportRequest; handler: TransportHandler }[] = [];
  private readonly connections = new Set<HttpConnection>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly host: string;
  private readonly port: number;
  private closing = false;
  /**
   * Set once the server was seen closing a kept-alive connection right after a response
   * without saying so (llama.cpp's server does this after every streamed answer): from then
   * on each request gets a fresh connection instead of racing the server's close.
   */
  serverClosesAfterResponse = false;
  /** The `host` header every request carries. */
  readonly hostHeader: string;

  constructor(
    url: URL,
    private readonly options: HttpPoolOptions,
  ) {
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(url.port || 80);
    this.hostHeader = url.host;
    this.sweeper = setInterval(() => this.sweepTimeouts(), TIMEOUT_SWEEP_MS);
    this.sweeper.unref();
  }

  send(request: TransportRequest, handler: TransportHandler): void {
    if (this.closing) {
      handler.onResponseError(codedError("the connection pool is closed", "UND_ERR_DESTROYED"));
      return;
    }
    const connection = this.takeIdle() ?? this.openConnection();
    if (connection) connection.start(request, handler);
    else this.waiting.push({ request, handler });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    for (const { handler } of this.waiting.splice(0)) handler.onResponseError(codedError("the connection pool is closed", "UND_ERR_DESTROYED"));
    for (const connection of [...this.connections]) connection.destroy(codedError("the connection pool is closed", "UND_ERR_DESTROYED"));
  }

  /** A connection finished its response and may carry another request. */
  released(connection: HttpConnection): void {
    const next = this.waiting.shift();
    if (next) connection.start(next.request, next.handler);
    else this.idle.push(connection);
  }

  /** A connection is gone; a waiting request gets a new one. */
  removed(connection: HttpConnection): void {
    this.connections.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    if (this.waiting.length > 0 && !this.closing) {
      const replacement = this.openConnection();
      const next = this.waiting.shift();
      if (replacement && next) replacement.start(next.request, next.handler);
    }
  }

  /** The most recently used idle connection that the server has not timed out yet. */
  private takeIdle(): HttpConnection | undefined {
    const now = performance.now();
    for (;;) {
      const connection = this.idle.pop();
      if (connection === undefined || connection.reusableUntil > now) return connection;
      connection.destroy(null);
    }
  }

  private openConnection(): HttpConnection | undefined {
    const { maxConnections } = this.options;
    if (maxConnections !== null && this.connections.size >= maxConnections) return undefined;
    const connection = new HttpConnection(this, this.host, this.port, this.options);
    this.connections.add(connection);
    return connection;
  }

  private sweepTimeouts(): void {
    const now = performance.now();
    for (const connection of this.connections) connection.checkDeadline(now);
  }
}

class HttpConnection {
  private readonly socket: Socket;
  private handler: TransportHandler | undefined;
  private parser: ResponseParser | undefined;
  private deadline = Infinity;
  private deadlineCode = "";
  private connected = false;
  private gone = false;
  /** `performance.now()` after which the server may have closed this idle connection. */
  reusableUntil = 0;
  private keepAliveMs = IDLE_TIMEOUT_MS;
  private request: TransportRequest | undefined;
  private responseStarted = false;
  private responsesServed = 0;

  constructor(
    private readonly pool: HttpPool,
    host: string,
    port: number,
    private readonly options: HttpPoolOptions,
  ) {
    this.socket = connect({ host, port, noDelay: true, onread: { buffer: READ_BUFFER, callback: this.read } });
    this.setDeadline(CONNECT_TIMEOUT_MS, "UND_ERR_CONNECT_TIMEOUT");
    this.socket.on("connect", () => {
      this.connected = true;
      if (this.handler) this.setDeadline(this.options.headersTimeoutMs, "UND_ERR_HEADERS_TIMEOUT");
    });
    this.socket.on("error", (error) => this.destroy(error));
    this.socket.on("end", () => this.ended());
    this.socket.on("close", () => this.closed());
  }

  start(request: TransportRequest, handler: TransportHandler): void {
    this.handler = handler;
    this.request = request;
    this.responseStarted = false;
    this.parser = new ResponseParser({
      head: (head) => this.head(head),
      body: (bytes) => this.handler?.onResponseData(bytes),
      complete: () => this.complete(),
    });
    let head = `POST ${request.path} HTTP/1.1\r\nhost: ${this.pool.hostHeader}\r\n`;
    for (const [name, value] of Object.entries(request.headers)) head += `${name}: ${value}\r\n`;
    head += `content-length: ${Buffer.byteLength(request.body)}\r\n\r\n`;
    // Written at once when connected; on a new connection Node sends it as soon as the connect
    // completes, and the callback says when. A write that went through at once is stamped now:
    // its callback waits for the rest of this turn, which may send a whole batch of requests.
    let written = false;
    const stamp = (): void => {
      if (written || this.handler !== handler) return;
      written = true;
      handler.onRequestWritten();
    };
    this.socket.write(head + request.body, (error) => {
      if (!error) stamp();
    });
    if (this.connected && this.socket.writableLength === 0) stamp();
    if (this.connected) this.setDeadline(this.options.headersTimeoutMs, "UND_ERR_HEADERS_TIMEOUT");
    // An abort that comes after this request finished must not hit the next request on the connection.
    handler.onStart((reason) => {
      if (this.handler === handler) this.destroy(reason);
    });
  }

  /** Closes the connection; a request on it fails with `error` (unless null: an idle close). */
  destroy(error: Error | null): void {
    if (this.gone) return;
    this.gone = true;
    this.socket.destroy();
    this.pool.removed(this);
    const handler = this.handler;
    this.handler = undefined;
    if (handler && error) handler.onResponseError(error);
  }

  checkDeadline(now: number): void {
    if (now > this.deadline && this.handler) {
      this.destroy(codedError(`no answer within the time limit (${this.deadlineCode})`, this.deadlineCode));
    }
  }

  private readonly read = (bytes: number, buffer: Buffer): boolean => {
    const parser = this.parser;
    if (parser === undefined || this.handler === undefined) {
      this.destroy(null); // bytes nobody asked for
      return false;
    }
    try {
      parser.push(buffer, 0, bytes);
    } catch (error) {
      this.destroy(error as Error);
      return false;
    }
    if (this.handler !== undefined && parser === this.parser) this.setDeadline(this.options.bodyTimeoutMs, "UND_ERR_BODY_TIMEOUT");
    return true;
  };

  private head(head: ResponseHead): void {
    this.responseStarted = true;
    if (head.keepAliveTimeoutMs !== undefined) this.keepAliveMs = Math.min(IDLE_TIMEOUT_MS, head.keepAliveTimeoutMs - KEEP_ALIVE_MARGIN_MS);
    this.setDeadline(this.options.bodyTimeoutMs, "UND_ERR_BODY_TIMEOUT");
    this.handler?.onResponseStart(head.statusCode);
  }

  /** The response is complete: the connection goes back to the pool before the handler hears of it, so the handler can reuse it at once. */
  private complete(): void {
    const handler = this.handler;
    const reusable = (this.parser?.reusable ?? false) && this.keepAliveMs > 0 && !this.pool.serverClosesAfterResponse;
    this.responsesServed += 1;
    this.handler = undefined;
    this.parser = undefined;
    this.deadline = Infinity;
    if (reusable) {
      this.reusableUntil = performance.now() + this.keepAliveMs;
      this.pool.released(this);
    } else {
      this.destroy(null);
    }
    handler?.onResponseEnd();
  }

  private ended(): void {
    // A body that runs until the connection closes is complete now; anything else was cut short.
    if (this.parser?.readsUntilClose) this.parser.closed();
    else this.closed();
  }

  /**
   * The server closed the connection. A request written to a reused connection that got no
   * byte of answer never reached a live server (it had closed the idle connection already),
   * so it is sent again on a fresh connection, as HTTP clients do for this race.
   */
  private closed(): void {
    const { handler, request } = this;
    if (handler && request && !this.responseStarted && this.responsesServed > 0) {
      this.pool.serverClosesAfterResponse = true;
      this.handler = undefined;
      this.destroy(null);
      this.pool.send(request, handler);
      return;
    }
    this.destroy(codedError("the connection closed before the response ended", "UND_ERR_SOCKET"));
  }

  private setDeadline(ms: number, code: string): void {
    this.deadline = performance.now() + ms;
    this.deadlineCode = code;
  }
}
