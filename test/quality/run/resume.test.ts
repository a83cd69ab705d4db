/**
 * A run aborted part-way keeps what finished in its checkpoint; `resume` evaluates only the rest
 * (counted by engine calls and by which prompts were asked) and reaches exactly the scores of an
 * uninterrupted run. The outputs file of the resumed run holds every document once.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InterruptedError } from "../../../src/errors.js";
import type { Gsm8kDoc } from "../../../src/quality/tasks/gsm8k/data.js";
import { readCheckpoint } from "../../../src/quality/run/checkpoint.js";
import type { ItemRecord } from "../../../src/quality/run/item-record.js";
import { planGsm8k } from "../../../src/quality/tasks/gsm8k/plan.js";
import { runPlan, type QualityRun } from "../../../src/quality/run/run-plan.js";
import { createGsm8kTask } from "../../../src/quality/tasks/gsm8k/prompts.js";
import { emptyAnswerKey, ScriptedEngine } from "./scripted-engine.js";

const TOTAL = 40;
const docs: Gsm8kDoc[] = Array.from({ length: TOTAL }, (_, index) => ({ index, question: `What is ${index} + 1?`, answer: `${index} + 1 = ${index + 1}\n#### ${index + 1}` }));
const task = createGsm8kTask({ test: docs, train: [] }, { shots: 0 });
const key = emptyAnswerKey();
// Right on even documents, wrong on odd ones: the score is 0.5 and depends on every record.
for (const doc of docs) key.generations.set(task.generation!(doc).prompt, ` #### ${doc.index % 2 === 0 ? doc.index + 1 : 0}`);

function scores(run: QualityRun) {
  const { restored: _r, evaluated: _e, ...metrics } = run.metrics;
  return metrics;
}

async function runOnce(engine: ScriptedEngine, env: NodeJS.ProcessEnv, options: { resume?: boolean; signal?: AbortSignal; run?: number } = {}) {
  return runPlan({
    plan: planGsm8k(task, { engine, method: "generation", topK: 20 }),
    engine,
    settings: { shots: 0 },
    signal: options.signal ?? new AbortController().signal,
    concurrency: 4,
    resume: options.resume,
    run: options.run,
    env,
  });
}

describe("resuming an aborted run", () => {
  it("redoes nothing that finished and reaches the uninterrupted scores", async () => {
    const env = { KITT_HOME: mkdtempSync(join(tmpdir(), "kitt-resume-")) };
    const controller = new AbortController();
    const first = new ScriptedEngine(key, undefined, () => {
      if (first.calls.generate === 15) controller.abort(new InterruptedError("SIGINT"));
    });
    const aborted = await runOnce(first, env, { signal: controller.signal });
    expect(aborted.stopped).toBe(true);
    expect(aborted.cause).toBeInstanceOf(InterruptedError);
    expect(aborted.evaluated).toBeGreaterThan(0);
    expect(aborted.evaluated).toBeLessThan(15);
    const checkpoint = (await readCheckpoint(aborted.checkpointPath, aborted.checkpointPath.match(/_([0-9a-f]{16})\.jsonl$/)![1]!))!;
    expect(checkpoint.complete).toBe(false);
    expect(Object.keys(checkpoint.records)).toHaveLength(aborted.evaluated);
    expect(aborted.checkpointPath).toMatch(/checkpoints\/gsm8k_[0-9a-f]{16}\.jsonl$/);

    const second = new ScriptedEngine(key);
    const resumed = await runOnce(second, env, { resume: true });
    expect(resumed).toMatchObject({ stopped: false, restored: aborted.evaluated, evaluated: TOTAL - aborted.evaluated, errors: [] });
    expect(second.calls.generate).toBe(TOTAL - aborted.evaluated);
    const finishedFirst = new Set(Object.keys(checkpoint.records).map((k) => task.generation!(docs[Number(k)]!).prompt));
    expect(second.asked.filter((prompt) => finishedFirst.has(prompt))).toEqual([]);
    expect(resumed.checkpointPath).toBe(aborted.checkpointPath);

    const lines = gunzipSync(readFileSync(resumed.outputsPath)).toString().trim().split("\n");
    expect(new Set(lines.map((line) => (JSON.parse(line) as ItemRecord).key)).size).toBe(TOTAL);
    expect(lines).toHaveLength(TOTAL);

    const fresh = await runOnce(new ScriptedEngine(key), { KITT_HOME: mkdtempSync(join(tmpdir(), "kitt-fresh-")) });
    expect(fresh.metrics.exact_match_strict).toBe(0.5);
    expect({ ...scores(resumed), checkpoint: "", outputs_file: "" }).toEqual({ ...scores(fresh), checkpoint: "", outputs_file: "" });

    // Resuming a finished run asks the engine nothing.
    const third = new ScriptedEngine(key);
    const again = await runOnce(third, env, { resume: true });
    expect(third.calls.generate).toBe(0);
    expect(scores(again)).toEqual(scores(resumed));
  });

  it("starts over without resume, and never mixes in another run's records", async () => {
    const env = { KITT_HOME: mkdtempSync(join(tmpdir(), "kitt-resume-")) };
    await runOnce(new ScriptedEngine(key), env);
    const restart = new ScriptedEngine(key);
    expect((await runOnce(restart, env)).restored).toBe(0);
    expect(restart.calls.generate).toBe(TOTAL);
    const other = new ScriptedEngine(key);
    const changed = await runPlan({
      plan: planGsm8k(task, { engine: other, method: "generation", topK: 20 }),
      engine: other,
      settings: { shots: 0, max_gen_tokens: 64 },
      signal: new AbortController().signal,
      resume: true,
      env,
    });
    expect(changed.restored).toBe(0);
  });

  it("keeps a checkpoint per run of a test: resuming run 2 never takes run 1's records", async () => {
    const env = { KITT_HOME: mkdtempSync(join(tmpdir(), "kitt-resume-")) };
    const first = await runOnce(new ScriptedEngine(key), env);
    const second = new ScriptedEngine(key);
    const run2 = await runOnce(second, env, { resume: true, run: 2 });
    expect(run2).toMatchObject({ restored: 0, evaluated: TOTAL });
    expect(second.calls.generate).toBe(TOTAL);
    expect(run2.checkpointPath).not.toBe(first.checkpointPath);
    expect((await runOnce(new ScriptedEngine(key), env, { resume: true, run: 2 })).restored).toBe(TOTAL);
    expect((await runOnce(new ScriptedEngine(key), env, { resume: true, run: 1 })).checkpointPath).toBe(first.checkpointPath);
  });

  it("records a failed document as an error, leaves it out of the checkpoint, and retries it on resume", async () => {
    const env = { KITT_HOME: mkdtempSync(join(tmpdir(), "kitt-resume-")) };
    const flaky = new ScriptedEngine(key, undefined, () => {
      if (flaky.calls.generate === 3) throw new Error("connection reset");
    });
    const run = await runOnce(flaky, env);
    expect(run).toMatchObject({ stopped: false, failed: 1, evaluated: TOTAL - 1 });
    expect(run.errors).toEqual([expect.stringMatching(/^item \d+: connection reset$/)]);
    expect(run.metrics).toMatchObject({ n: TOTAL - 1, failed: 1 });
    const retry = new ScriptedEngine(key);
    expect((await runOnce(retry, env, { resume: true })).metrics).toMatchObject({ n: TOTAL, exact_match_strict: 0.5 });
    expect(retry.calls.generate).toBe(1);
  });

  it("lists the first ten failed documents and counts the rest, so a 2k-context engine does not flood the report", async () => {
    const env = { KITT_HOME: mkdtempSync(join(tmpdir(), "kitt-resume-")) };
    const tooLong = new ScriptedEngine(key, undefined, () => {
      if (tooLong.calls.generate > 15) throw new Error("request exceeds the available context size");
    });
    const run = await runOnce(tooLong, env);
    expect(run).toMatchObject({ stopped: false, failed: TOTAL - 15, evaluated: 15 });
    expect(run.errors).toHaveLength(11);
    expect(run.errors.slice(0, 10).every((error) => /^item \d+: request exceeds the available context size$/.test(error))).toBe(true);
    expect(run.errors[10]).toBe(`…and ${TOTAL - 25} more failed items (${TOTAL - 15} in all; a resumed run retries them)`);
    expect(run.metrics).toMatchObject({ n: 15, failed: TOTAL - 15 });
  });
});
