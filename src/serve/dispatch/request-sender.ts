/**
 * Sends serving-benchmark requests and measures each one. The body's bytes reach the SSE scanner
 * straight from the transport's read callback, with no stream object, async iterator or promise
 * per chunk, which is most of a streaming client's cost at tens of thousands of chunks per second.
 */
import { getProtocol } from "../../protocols/index.js";
import type { Protocol, ProtocolName } from "../../protocols/types.js";
import { createBodyReader, type BodyReader } from "../transport/body-reader.js";
import { createTransport } from "../transport/create-transport.js";
import type { Transport, TransportHandler, TransportKind } from "../transport/types.js";
import type { RequestRecord, ServeRequest } from "../types.js";
import { RecordBuilder } from "./record-builder.js";
import { classifyRequestError, httpError, type RequestError } from "./request-errors.js";

/** How much of a non-2xx answer's body is kept for its error message. */
const ERROR_BODY_LIMIT = 2048;

export interface RequestSenderOptions {
  baseUrl: string;
  protocol: ProtocolName;
  model: string;
  ignoreEos: boolean;
  temperature: number;
  /** Keep each request's streamed text in its record. */
  keepText?: boolean;
  /** Connections to open at most; at least the concurrency cap so no request waits for one. Null for no limit. */
  connections: number | null;
  /** "auto" (default): the fast transport for `http:`, undici for `https:`. */
  transport?: TransportKind;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export interface InFlightRequest {
  abort(): void;
}

export class RequestSender {
  private readonly transport: Transport;
  private readonly protocol: Protocol;
  private readonly pathPrefix: string;

  constructor(private readonly options: RequestSenderOptions) {
    this.protocol = getProtocol(options.protocol);
    this.pathPrefix = new URL(options.baseUrl).pathname.replace(/\/+$/, "");
    this.transport = createTransport(options.baseUrl, {
      kind: options.transport ?? "auto",
      connections: options.connections,
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
    });
  }

  /**
   * Sends request `index` now. `runStart` is the run clock's zero as `performance.now()`; the
   * record's send time is read just before the request is handed to the connection, and its
   * write time once its bytes went out.
   */
  send(
    index: number,
    request: ServeRequest,
    scheduledMs: number | null,
    runStart: number,
    done: (record: RequestRecord) => void,
  ): InFlightRequest {
    const built = this.protocol.buildStreamRequest({
      prompt: request.prompt,
      model: this.options.model,
      maxTokens: request.outputTokens,
      temperature: this.options.temperature,
      ignoreEos: this.options.ignoreEos,
    });
    const body = JSON.stringify(built.body);
    const headers = { "content-type": "application/json", ...built.headers };
    const sentAt = performance.now();
    const builder = new RecordBuilder(index, scheduledMs, request, sentAt - runStart, sentAt, this.options.keepText ?? false);
    const handler = new StreamingRequest(this.protocol, builder, done);
    this.transport.send({ path: this.pathPrefix + built.path, headers, body }, handler);
    handler.dispatched();
    return handler;
  }

  /** Closes every connection; requests still running are cut off. */
  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** One request's transport handler: feeds the body to its reader and reports the record once. */
class StreamingRequest implements TransportHandler, InFlightRequest {
  private abortTransport: ((reason: Error) => void) | undefined;
  private readonly reader: BodyReader;
  private statusCode = 0;
  private errorBody = "";
  private abortRequested = false;
  private responseEnded = false;
  private finished = false;
  private dispatching = true;
  private record: RequestRecord | undefined;

  constructor(
    protocol: Protocol,
    private readonly builder: RecordBuilder,
    private readonly done: (record: RequestRecord) => void,
  ) {
    this.reader = createBodyReader(protocol, {
      event: builder.event,
      settled: (error) => this.readerSettled(error),
    });
  }

  abort(): void {
    if (this.finished || this.abortRequested) return;
    this.abortRequested = true;
    this.abortTransport?.(abortError());
  }

  onStart(abort: (reason: Error) => void): void {
    this.abortTransport = abort;
    if (this.abortRequested) abort(abortError());
  }

  onRequestWritten(): void {
    this.builder.written(performance.now());
  }

  onResponseStart(statusCode: number): void {
    this.statusCode = statusCode;
  }

  onResponseData(chunk: Buffer): void {
    if (this.finished) return;
    if (!this.succeeded()) {
      if (this.errorBody.length < ERROR_BODY_LIMIT) this.errorBody += chunk.toString("utf8");
      return;
    }
    try {
      this.reader.push(chunk, performance.now());
    } catch (error) {
      this.finish(classifyRequestError(error, { responseStarted: true, aborted: false }));
      this.abortTransport?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  onResponseEnd(): void {
    this.responseEnded = true;
    if (this.finished) return;
    if (!this.succeeded()) {
      this.finish(httpError(this.statusCode, this.errorBody));
      return;
    }
    this.reader.end();
  }

  onResponseError(error: Error): void {
    if (this.finished) return;
    this.reader.abandon();
    this.finish(classifyRequestError(error, { responseStarted: this.statusCode !== 0, aborted: this.abortRequested }));
  }

  private succeeded(): boolean {
    return this.statusCode >= 200 && this.statusCode < 300;
  }

  private readerSettled(error: unknown): void {
    if (this.finished) return;
    if (error === null) {
      this.finish(null);
      return;
    }
    this.finish(classifyRequestError(error, { responseStarted: true, aborted: false }));
    if (!this.responseEnded) this.abortTransport?.(error instanceof Error ? error : new Error(String(error)));
  }

  /** Called once the transport took the request; a failure it reported at once reaches `done` only after `send` returned. */
  dispatched(): void {
    this.dispatching = false;
    const record = this.record;
    if (record !== undefined) queueMicrotask(() => this.done(record));
  }

  private finish(error: RequestError | null): void {
    this.finished = true;
    this.record = this.builder.build(error);
    if (!this.dispatching) this.done(this.record);
  }
}

function abortError(): Error {
  const error = new Error("request stopped by the load generator");
  error.name = "AbortError";
  return error;
}
