/**
 * Keeps what the serving metrics need from each request record, and nothing else, in typed
 * columns that grow by doubling: about 12 bytes per chunk and 60 bytes per request, so a
 * 100,000-request run with 16 chunks each fits in roughly 30 MB. The full records are streamed
 * to disk by the load generator; metrics are computed once at the end (`serve-metrics.ts`).
 */
import { KittError } from "../../errors.js";
import type { RequestErrorKind, RequestRecord } from "../types.js";
import { chunkTokenCounts } from "./chunk-tokens.js";

/** Read-only views over what was accumulated. Per-request columns hold completed requests only. */
export interface AccumulatedRun {
  /** Records added: completed plus failed. */
  requests: number;
  completed: number;
  failed: number;
  errorsByKind: Partial<Record<RequestErrorKind, number>>;
  /** Latest run-clock send time over all records; null before any. */
  lastSentMs: number | null;
  /** sentMs − scheduledMs of every record that had a scheduled time, failed ones included. */
  sendLagMs: Float64Array;
  /**
   * Requests that reached the server as far as the client can tell: their bytes were written to an
   * open connection, and that connection was not cut off before any answer. Failed ones included.
   */
  reachedServer: number;
  /** Latest run-clock write time of those requests; null before any. */
  lastReachedMs: number | null;
  /** writtenMs − sentMs of every request whose bytes went out: waiting for a free connection and connecting. */
  connectionWaitMs: Float64Array;
  /** Requests the run stopped while they were still waiting for a connection. */
  stoppedWhileConnecting: number;
  /** Failed requests (the run's own stops aside) that never reached the server. */
  connectionFailures: number;
  /** Completed requests whose output count came from the server's usage. */
  serverCountedOutputs: number;
  /** Completed requests whose output tokens differ from the requested `max_tokens`. */
  outputLengthMismatches: number;
  /** Completed requests whose server and client output counts differ, and the sum of |difference|. */
  outputUsageMismatches: number;
  outputUsageAbsDiff: number;
  /** Completed requests whose server prompt count differs from the data set's, and the sum of |difference|. */
  promptUsageMismatches: number;
  promptUsageAbsDiff: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  sentMs: Float64Array;
  ttftMs: Float64Array;
  /** NaN where a request had no content chunk. */
  ttftContentMs: Float64Array;
  e2elMs: Float64Array;
  /** Server usage where given, else the client's count. */
  outputTokens: Float64Array;
  /** Chunks of completed request i are `chunkStart[i]` up to `chunkStart[i + 1]`. */
  chunkStart: Uint32Array;
  /** Chunk arrival relative to its request's send. */
  chunkMs: Float64Array;
  /** Tokens attributed to each chunk (`chunk-tokens.ts`). */
  chunkTokens: Uint32Array;
}

export class ServeAccumulator {
  private requests = 0;
  private failed = 0;
  private readonly errorsByKind: Partial<Record<RequestErrorKind, number>> = {};
  private lastSentMs: number | null = null;
  private reachedServer = 0;
  private lastReachedMs: number | null = null;
  private stoppedWhileConnecting = 0;
  private connectionFailures = 0;
  private serverCountedOutputs = 0;
  private outputLengthMismatches = 0;
  private outputUsageMismatches = 0;
  private outputUsageAbsDiff = 0;
  private promptUsageMismatches = 0;
  private promptUsageAbsDiff = 0;
  private totalInputTokens = 0;
  private totalOutputTokens = 0;
  private readonly sendLagMs = new Column(Float64Array);
  private readonly connectionWaitMs = new Column(Float64Array);
  private readonly sentMs = new Column(Float64Array);
  private readonly ttftMs = new Column(Float64Array);
  private readonly ttftContentMs = new Column(Float64Array);
  private readonly e2elMs = new Column(Float64Array);
  private readonly outputTokens = new Column(Float64Array);
  private readonly chunkStart = new Column(Uint32Array);
  private readonly chunkMs = new Column(Float64Array);
  private readonly chunkTokens = new Column(Uint32Array);

  constructor() {
    this.chunkStart.push(0);
  }

  add(record: RequestRecord): void {
    this.requests++;
    this.lastSentMs = Math.max(this.lastSentMs ?? record.sentMs, record.sentMs);
    if (record.scheduledMs !== null) this.sendLagMs.push(record.sentMs - record.scheduledMs);
    this.addDelivery(record);
    if (record.success) this.addCompleted(record);
    else this.addFailed(record);
  }

  snapshot(): AccumulatedRun {
    return {
      requests: this.requests,
      completed: this.requests - this.failed,
      failed: this.failed,
      errorsByKind: { ...this.errorsByKind },
      lastSentMs: this.lastSentMs,
      sendLagMs: this.sendLagMs.view(),
      reachedServer: this.reachedServer,
      lastReachedMs: this.lastReachedMs,
      connectionWaitMs: this.connectionWaitMs.view(),
      stoppedWhileConnecting: this.stoppedWhileConnecting,
      connectionFailures: this.connectionFailures,
      serverCountedOutputs: this.serverCountedOutputs,
      outputLengthMismatches: this.outputLengthMismatches,
      outputUsageMismatches: this.outputUsageMismatches,
      outputUsageAbsDiff: this.outputUsageAbsDiff,
      promptUsageMismatches: this.promptUsageMismatches,
      promptUsageAbsDiff: this.promptUsageAbsDiff,
      totalInputTokens: this.totalInputTokens,
      totalOutputTokens: this.totalOutputTokens,
      sentMs: this.sentMs.view(),
      ttftMs: this.ttftMs.view(),
      ttftContentMs: this.ttftContentMs.view(),
      e2elMs: this.e2elMs.view(),
      outputTokens: this.outputTokens.view(),
      chunkStart: this.chunkStart.view(),
      chunkMs: this.chunkMs.view(),
      chunkTokens: this.chunkTokens.view(),
    };
  }

  /** Whether and when the request's bytes went out, and whether it reached the server. */
  private addDelivery(record: RequestRecord): void {
    const { writtenMs } = record;
    // A connection error means no answer had started (`serve/dispatch/request-errors.ts`): the server never took the request.
    const cutOff = record.error?.kind === "connection";
    if (writtenMs !== null) this.connectionWaitMs.push(writtenMs - record.sentMs);
    if (writtenMs !== null && !cutOff) {
      this.reachedServer++;
      this.lastReachedMs = Math.max(this.lastReachedMs ?? writtenMs, writtenMs);
    } else if (record.error?.kind === "aborted") {
      this.stoppedWhileConnecting++;
    } else if (!record.success) {
      this.connectionFailures++;
    }
  }

  private addFailed(record: RequestRecord): void {
    if (record.error === null) throw new KittError("INTERNAL", `request ${record.index} failed without an error`);
    this.failed++;
    this.errorsByKind[record.error.kind] = (this.errorsByKind[record.error.kind] ?? 0) + 1;
  }

  private addCompleted(record: RequestRecord): void {
    const { ttftMs, e2elMs, chunkMs } = record;
    if (ttftMs === null || e2elMs === null || chunkMs.length === 0) {
      throw new KittError("INTERNAL", `request ${record.index} completed without an output chunk`);
    }
    if (record.chunkTokens !== null && record.chunkTokens.length !== chunkMs.length) {
      throw new KittError(
        "INTERNAL",
        `request ${record.index} has ${chunkMs.length} chunks but ${record.chunkTokens.length} chunk token counts`,
      );
    }
    const outputTokens = record.outputTokens ?? record.clientOutputTokens;
    if (record.outputTokens !== null) {
      this.serverCountedOutputs++;
      if (record.outputTokens !== record.clientOutputTokens) {
        this.outputUsageMismatches++;
        this.outputUsageAbsDiff += Math.abs(record.outputTokens - record.clientOutputTokens);
      }
    }
    if (record.serverPromptTokens !== null && record.serverPromptTokens !== record.promptTokens) {
      this.promptUsageMismatches++;
      this.promptUsageAbsDiff += Math.abs(record.serverPromptTokens - record.promptTokens);
    }
    if (outputTokens !== record.requestedOutputTokens) this.outputLengthMismatches++;
    this.totalInputTokens += record.promptTokens;
    this.totalOutputTokens += outputTokens;

    this.sentMs.push(record.sentMs);
    this.ttftMs.push(ttftMs);
    this.ttftContentMs.push(record.ttftContentMs ?? Number.NaN);
    this.e2elMs.push(e2elMs);
    this.outputTokens.push(outputTokens);
    const tokens = chunkTokenCounts(chunkMs, record.chunkTokens, record.ttftContentMs, outputTokens);
    for (let index = 0; index < chunkMs.length; index++) {
      this.chunkMs.push(chunkMs[index] as number);
      this.chunkTokens.push(tokens[index] as number);
    }
    this.chunkStart.push(this.chunkMs.length);
  }
}

type NumberArray = Float64Array | Uint32Array;

/** A typed array that doubles its capacity when full. */
class Column<A extends NumberArray> {
  length = 0;
  private data: A;

  constructor(
    private readonly create: new (capacity: number) => A,
    capacity = 1024,
  ) {
    this.data = new create(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new this.create(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** The filled part, without copying; valid until the next push grows the column. */
  view(): A {
    return this.data.subarray(0, this.length) as A;
  }
}
