/**
 * Items that fail: counted in the progress beside the finished ones, and when the first items of
 * a run all fail alike (an engine whose context is too small fails every prompt the same way), the
 * run stops with the engine's message instead of sending the rest. The checkpoint stays one a
 * resumed run can continue from.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KittError } from "../../../src/errors.js";
import { CHECKPOINT_VERSION, readCheckpoint, type CheckpointFile } from "../../../src/quality/run/checkpoint.js";
import { EARLY_STOP_FAILURES, runItems, type ItemProgress, type PlannedItem } from "../../../src/quality/run/run-items.js";

const HASH = "00112233445566aa";

function emptyCheckpoint(count: number): CheckpointFile {
  return {
    version: CHECKPOINT_VERSION,
    task: "gsm8k",
    hash: HASH,
    identity: { task: "gsm8k", method: "generation", engine: "llama_cpp", model: "m", settings: {}, run: 1, item_count: count },
    updated_at: "2026-01-01T00:00:00.000Z",
    complete: false,
    records: {},
  };
}

/** Items whose answer `outcome(index)` decides: a record, or the error the engine gave. */
function items(count: number, outcome: (index: number) => Error | undefined): { planned: PlannedItem[]; asked: () => number } {
  let asked = 0;
  const planned = Array.from({ length: count }, (_, index) => ({
    key: String(index),
    async evaluate(signal: AbortSignal) {
      asked++;
      await new Promise((resolve) => setTimeout(resolve, 1 + (index % 3)));
      signal.throwIfAborted();
      const error = outcome(index);
      if (error) throw error;
      return { key: String(index), scores: { exact_match: 1 }, detail: {} };
    },
  }));
  return { planned, asked: () => asked };
}

function tooLong(index: number): KittError {
  return new KittError(
    "ENGINE_REQUEST_FAILED",
    `engine answered 400: {"error":{"code":400,"message":"request (${900 + index} tokens) exceeds the available context size (512 tokens), try increasing it"}}`,
  );
}

async function run(planned: PlannedItem[], concurrency = 4) {
  const dir = mkdtempSync(join(tmpdir(), "kitt-failing-"));
  const checkpointPath = join(dir, "gsm8k.jsonl");
  const progress: ItemProgress[] = [];
  const result = await runItems({
    items: planned,
    concurrency,
    signal: new AbortController().signal,
    checkpointPath,
    checkpoint: emptyCheckpoint(planned.length),
    outputsPath: join(dir, "gsm8k.jsonl.gz"),
    onProgress: (event) => progress.push(event),
  });
  return { result, progress, checkpoint: await readCheckpoint(checkpointPath, HASH) };
}

describe("failing items", () => {
  it("stop the run with the engine's message when the first ones all fail alike", async () => {
    const { planned, asked } = items(100, tooLong);
    const { result, progress, checkpoint } = await run(planned);

    expect(result.stopped).toBe(true);
    expect(result.failed).toBe(EARLY_STOP_FAILURES);
    expect(result.evaluated).toBe(0);
    // Only the items already in flight beyond the eighth were sent.
    expect(asked()).toBeLessThanOrEqual(EARLY_STOP_FAILURES + 3);
    expect(result.cause).toBeInstanceOf(KittError);
    expect((result.cause as KittError).code).toBe("BENCHMARK_FAILED");
    expect(result.errors[0]).toMatch(/^the first 8 items all failed with the same error, so the other 92 were not run: engine answered 400: .*exceeds the available context size \(512 tokens\)/);
    expect(result.errors[0]).toMatch(/start the engine with more context per request, then run the test again\)$/);
    expect(progress.at(-1)).toEqual({ completed: 8, total: 100, failed: 8, etaSeconds: null });
    // Every finished item counts in the progress, failed ones too.
    expect(progress.map((event) => event.completed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The checkpoint is one to resume from: not complete, no record for a failed item.
    expect(checkpoint).toMatchObject({ complete: false, records: {} });
  });

  it("go on when the first failures differ, an item succeeded first, or no item is left to spare", async () => {
    const differing = items(20, (index) => (index % 2 === 0 ? tooLong(index) : new KittError("ENGINE_REQUEST_FAILED", "the engine answered but streamed no output")));
    const mixed = await run(differing.planned);
    expect(mixed.result).toMatchObject({ stopped: false, failed: 20, evaluated: 0 });
    expect(differing.asked()).toBe(20);
    expect(mixed.progress.at(-1)).toMatchObject({ completed: 20, total: 20, failed: 20 });

    // Nothing left to spare: the run simply ends with its failures.
    const eight = await run(items(EARLY_STOP_FAILURES, tooLong).planned);
    expect(eight.result).toMatchObject({ stopped: false, failed: EARLY_STOP_FAILURES });

    const oneGood = items(20, (index) => (index === 0 ? undefined : tooLong(index)));
    const after = await run(oneGood.planned, 1);
    expect(after.result).toMatchObject({ stopped: false, failed: 19, evaluated: 1 });
    expect(after.checkpoint).toMatchObject({ complete: false, records: { "0": { key: "0" } } });
  });
});
