/**
 * vLLM's per-request arrays, as `vllm bench serve --save-detailed` writes them into its result
 * file, so tools that plot from vLLM's files read kitt's: one entry per request in the data
 * set's order, times in seconds.
 *  - `input_lens`: prompt tokens (the data set's count, as `total_input_tokens`);
 *  - `output_lens`: output tokens of completed requests (as `total_output_tokens`), 0 for failed ones;
 *  - `ttfts`: TTFT, 0 when no chunk arrived;
 *  - `itls`: every gap between consecutive chunks (a failed request keeps the gaps it saw);
 *  - `generated_texts`: the streamed text of completed requests, "" for failed ones (optional);
 *  - `errors`: the error message, "" for completed requests.
 * Requests a run never sent (it stopped early) have no entry.
 *
 * Records arrive in completion order; only these fields are kept, in typed columns by request
 * index (about 30 bytes a request and 8 a chunk, plus the texts when kept).
 */
import type { RequestRecord } from "../types.js";

export type VllmRequestArraysJson = {
  input_lens: number[];
  output_lens: number[];
  ttfts: number[];
  itls: number[][];
  generated_texts?: string[];
  errors: string[];
};

export class VllmRequestArrays {
  private readonly seen: Uint8Array;
  private readonly inputLens: Int32Array;
  private readonly outputLens: Int32Array;
  private readonly ttftMs: Float64Array;
  /** Each request's gaps sit in `gapsMs` from `gapStart` for `gapCount` entries. */
  private readonly gapStart: Uint32Array;
  private readonly gapCount: Uint32Array;
  private gapsMs = new Float64Array(1024);
  private gapsUsed = 0;
  private readonly texts: string[] | null;
  private readonly errors = new Map<number, string>();

  /** `requests`: how many the run may send; `generatedTexts`: keep each completed request's text. */
  constructor(requests: number, generatedTexts: boolean) {
    this.seen = new Uint8Array(requests);
    this.inputLens = new Int32Array(requests);
    this.outputLens = new Int32Array(requests);
    this.ttftMs = new Float64Array(requests);
    this.gapStart = new Uint32Array(requests);
    this.gapCount = new Uint32Array(requests);
    this.texts = generatedTexts ? new Array<string>(requests).fill("") : null;
  }

  add(record: RequestRecord): void {
    const { index, chunkMs } = record;
    this.seen[index] = 1;
    this.inputLens[index] = record.promptTokens;
    this.outputLens[index] = record.success ? (record.outputTokens ?? record.clientOutputTokens) : 0;
    this.ttftMs[index] = record.ttftMs ?? 0;
    this.gapStart[index] = this.gapsUsed;
    this.gapCount[index] = Math.max(0, chunkMs.length - 1);
    for (let chunk = 1; chunk < chunkMs.length; chunk++) this.pushGap((chunkMs[chunk] as number) - (chunkMs[chunk - 1] as number));
    if (this.texts !== null && record.success) this.texts[index] = record.generatedText ?? "";
    if (record.error !== null) this.errors.set(index, record.error.message);
  }

  toJson(): VllmRequestArraysJson {
    const indices: number[] = [];
    this.seen.forEach((seen, index) => {
      if (seen) indices.push(index);
    });
    const column = <T>(value: (index: number) => T): T[] => indices.map(value);
    const seconds = (ms: number): number => ms / 1000;
    const texts = this.texts;
    return {
      input_lens: column((index) => this.inputLens[index] as number),
      output_lens: column((index) => this.outputLens[index] as number),
      ttfts: column((index) => seconds(this.ttftMs[index] as number)),
      itls: column((index) => {
        const start = this.gapStart[index] as number;
        return Array.from(this.gapsMs.subarray(start, start + (this.gapCount[index] as number)), seconds);
      }),
      ...(texts !== null ? { generated_texts: column((index) => texts[index] as string) } : {}),
      errors: column((index) => this.errors.get(index) ?? ""),
    };
  }

  private pushGap(ms: number): void {
    if (this.gapsUsed === this.gapsMs.length) {
      const grown = new Float64Array(this.gapsMs.length * 2);
      grown.set(this.gapsMs);
      this.gapsMs = grown;
    }
    this.gapsMs[this.gapsUsed++] = ms;
  }
}
