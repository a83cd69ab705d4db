/**
 * Builds one RequestRecord from a request's stream events, with vLLM's definitions: TTFT is the
 * first chunk carrying `choices` (any chunk event), every later chunk adds an inter-chunk gap,
 * E2EL is the last chunk; all relative to the send time (the hand-over to a connection). When
 * the bytes actually went out is recorded apart (`written`).
 */
import type { StreamEvent } from "../../protocols/types.js";
import type { RequestErrorKind, RequestRecord, ServeRequest } from "../types.js";

/** Room for a few chunks even when the requested output is tiny (engines may send extra empty chunks). */
const MIN_CAPACITY = 16;

export class RecordBuilder {
  /**
   * Arrival offsets, in a typed array sized for the requested output: a stream in flight outlives
   * several young-generation collections, and a typed array's off-heap storage is neither copied
   * by them nor reallocated as the stream grows, which keeps those pauses short.
   */
  private arrivals: Float64Array;
  private chunkCount = 0;
  private chunkTokens: number[] | null = null;
  private ttftContentMs: number | null = null;
  private clientOutputTokens = 0;
  private outputTokens: number | null = null;
  private serverPromptTokens: number | null = null;
  private writtenMs: number | null = null;
  /** The streamed text so far; null unless the run keeps it. */
  private text: string | null;

  constructor(
    readonly index: number,
    private readonly scheduledMs: number | null,
    private readonly request: ServeRequest,
    /** Run-clock send time. */
    readonly sentMs: number,
    /** The same moment as `performance.now()`, to turn arrival stamps into offsets. */
    private readonly sentAt: number,
    keepText: boolean,
  ) {
    this.arrivals = new Float64Array(Math.max(MIN_CAPACITY, request.outputTokens + 2));
    this.text = keepText ? "" : null;
  }

  /** The request's bytes went out at `at` (`performance.now()`); a request sent again on a fresh connection keeps the later time. */
  written(at: number): void {
    this.writtenMs = this.sentMs + (at - this.sentAt);
  }

  readonly event = (event: StreamEvent): void => {
    if (event.type === "chunk") {
      const offset = event.at - this.sentAt;
      if (this.chunkCount === this.arrivals.length) {
        const grown = new Float64Array(this.arrivals.length * 2);
        grown.set(this.arrivals);
        this.arrivals = grown;
      }
      this.arrivals[this.chunkCount++] = offset;
      if (this.ttftContentMs === null && event.text !== "") this.ttftContentMs = offset;
      if (this.text !== null) this.text += event.text;
      this.clientOutputTokens += event.tokens ?? (event.text ? 1 : 0);
      if (event.tokens !== undefined && this.chunkTokens === null) {
        // Chunks before the first one with a count carried none (llama.cpp's withheld stop words).
        this.chunkTokens = new Array<number>(this.chunkCount - 1).fill(0);
      }
      this.chunkTokens?.push(event.tokens ?? 0);
    } else if (event.type === "usage") {
      this.outputTokens = event.completionTokens ?? this.outputTokens;
      this.serverPromptTokens = event.promptTokens ?? this.serverPromptTokens;
    }
  };

  /** The finished record; a stream that ended cleanly without any chunk is an `empty` failure. */
  build(error: { kind: RequestErrorKind; message: string } | null): RequestRecord {
    const chunkMs = Array.from(this.arrivals.subarray(0, this.chunkCount));
    const failure =
      error ?? (chunkMs.length === 0 ? { kind: "empty" as const, message: "the response ended without any output chunk" } : null);
    return {
      index: this.index,
      scheduledMs: this.scheduledMs,
      sentMs: this.sentMs,
      writtenMs: this.writtenMs,
      success: failure === null,
      ttftMs: chunkMs[0] ?? null,
      ttftContentMs: this.ttftContentMs,
      e2elMs: chunkMs.length > 0 ? (chunkMs[chunkMs.length - 1] as number) : null,
      chunkMs,
      chunkTokens: this.chunkTokens,
      promptTokens: this.request.promptTokens,
      outputTokens: this.outputTokens,
      clientOutputTokens: this.clientOutputTokens,
      requestedOutputTokens: this.request.outputTokens,
      serverPromptTokens: this.serverPromptTokens,
      generatedText: this.text,
      error: failure,
    };
  }
}
