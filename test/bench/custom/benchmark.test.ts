import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { customBenchmark, customMetrics } from "../../../src/bench/custom/benchmark.js";
import { parseCustomTest, type CustomTest } from "../../../src/bench/custom/test-file.js";
import type { BenchmarkOutcome, ProgressEvent } from "../../../src/bench/types.js";
import type { ItemRecord } from "../../../src/quality/run/item-record.js";
import { result, ScriptedEngine, type Script } from "../scripted-engine.js";

const YAML = `
name: mixed
description: Mixed scoring
system_prompt: Be brief.
prompt_template: "Q: {prompt}\\nA:"
sampling: {temperature: 0.5, max_tokens: 20, stop: ["\\n"]}
scoring: {type: exact, ignore_case: true}
items:
  - {prompt: capital of France, expected: Paris}
  - {prompt: capital of Japan, expected: Tokyo}
  - {prompt: 6 times 7, expected: 42, scoring: {type: numeric}}
  - {prompt: "a JSON object", scoring: {type: json_schema, schema: {type: object, required: [a]}}}
`;

/** Answers by prompt; anything after the stop sequence must be cut off by the test. */
const ANSWERS: Record<string, string> = {
  "Q: capital of France\nA:": " paris\nignored after the stop",
  "Q: capital of Japan\nA:": " Kyoto",
  "Q: 6 times 7\nA:": " It is 42.",
  "Q: a JSON object\nA:": ' ```json {"a": 1}``` ',
};

const answer: Script = (request) => {
  const user = request.messages?.find((message) => message.role === "user")?.content ?? "";
  const text = ANSWERS[user];
  if (text === undefined) throw new Error(`unexpected prompt ${JSON.stringify(user)}`);
  return result({ text });
};

function setup(yaml = YAML): { test: CustomTest; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), "kitt-custom-run-"));
  writeFileSync(join(dir, "mixed.yaml"), yaml);
  return { test: parseCustomTest(yaml, join(dir, "mixed.yaml")), env: { KITT_HOME: join(dir, "home") } };
}

async function run(test: CustomTest, env: NodeJS.ProcessEnv, engine: ScriptedEngine, settings: Record<string, unknown> = {}) {
  const benchmark = customBenchmark(test, { env });
  const progress: ProgressEvent[] = [];
  const outcome: BenchmarkOutcome = await benchmark.run({
    engine,
    config: benchmark.configSchema.parse(settings),
    signal: new AbortController().signal,
    onProgress: (event) => progress.push(event),
    warmup: true,
  });
  return { outcome, progress };
}

function outputs(path: unknown): ItemRecord[] {
  return gunzipSync(readFileSync(path as string))
    .toString("utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ItemRecord);
}

describe("a custom test run", () => {
  it("generates every item with the test's sampling and scores it", async () => {
    const { test, env } = setup();
    const engine = new ScriptedEngine(answer);
    const { outcome, progress } = await run(test, env, engine, { concurrency: 2 });

    expect(outcome.passed).toBe(true);
    expect(outcome.errors).toEqual([]);
    expect(outcome.warmupTimes).toEqual([]); // no warmup unless a suite asks for it
    const m = outcome.metrics;
    expect(m).toMatchObject({ task: "mixed", method: "generation", n: 4, correct: 3, score: 0.75, evaluated: 4, restored: 0, failed: 0 });
    // Sample standard deviation of [1, 0, 1, 1] is 0.5; over √4.
    expect(m.score_stderr).toBeCloseTo(0.25, 12);
    expect(m.scoring).toBe("exact, numeric, json_schema");
    expect(m.per_scoring).toEqual({
      exact: { n: 2, score: 0.5, score_stderr: 0.5 },
      numeric: { n: 1, score: 1, score_stderr: null },
      json_schema: { n: 1, score: 1, score_stderr: null },
    });

    expect(engine.requests).toHaveLength(4);
    expect(engine.requests[0]).toMatchObject({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Q: capital of France\nA:" },
      ],
      maxTokens: 20,
      temperature: 0.5,
      stop: ["\n"],
    });
    expect(progress.at(-1)).toMatchObject({ phase: "measure", completed: 4, total: 4 });

    const records = outputs(m.outputs_file);
    const byKey = Object.fromEntries(records.map((record) => [record.key, record]));
    expect(byKey["0"]).toMatchObject({
      scores: { score: 1 },
      detail: { prompt: "Q: capital of France\nA:", output: " paris", expected: "Paris", passed: true, scoring: "exact" },
    });
    expect(byKey["1"]!.detail).toMatchObject({ output: " Kyoto", expected: "Tokyo", passed: false, reason: 'expected "Tokyo", got "Kyoto"' });
    expect(byKey["3"]!.detail).toMatchObject({ expected: null, passed: true });
  });

  it("lets a suite override sampling and run only the first items", async () => {
    const { test, env } = setup();
    const engine = new ScriptedEngine(answer);
    const { outcome } = await run(test, env, engine, { limit: 2, temperature: 0, max_tokens: 5, seed: 3 });
    expect(outcome.metrics).toMatchObject({ n: 2, score: 0.5, per_scoring: { exact: { n: 2 }, numeric: { n: 0, score: null } } });
    expect(engine.requests.map((request) => [request.temperature, request.maxTokens, request.seed])).toEqual([
      [0, 5, 3],
      [0, 5, 3],
    ]);
  });

  it("sends a plain prompt when there is no system prompt", async () => {
    const { test, env } = setup("name: plain\ndescription: d\nitems:\n  - {prompt: hi, expected: hello}\n");
    const engine = new ScriptedEngine(() => result({ text: "hello" }));
    const { outcome } = await run(test, env, engine);
    expect(engine.requests[0]).toMatchObject({ prompt: "hi", maxTokens: 256, temperature: 0 });
    expect(engine.requests[0]!.messages).toBeUndefined();
    expect(engine.requests[0]!.stop).toBeUndefined();
    expect(outcome.metrics).toMatchObject({ score: 1, n: 1, score_stderr: null });
    expect(outcome.metrics.per_scoring).toBeUndefined();
  });

  it("records a failing item as an error and resumes from the checkpoint without asking again", async () => {
    const { test, env } = setup();
    const flaky = new ScriptedEngine((request, call) => {
      if (request.messages?.[1]?.content.includes("Japan")) throw new Error("boom");
      return answer(request, call);
    });
    const first = await run(test, env, flaky, { resume: true });
    expect(first.outcome.passed).toBe(false);
    expect(first.outcome.errors).toEqual(["item 1: boom"]);
    expect(first.outcome.metrics).toMatchObject({ n: 3, evaluated: 3, failed: 1, score: 1 });

    const again = new ScriptedEngine(answer);
    const second = await run(test, env, again, { resume: true });
    expect(again.requests).toHaveLength(1); // only the failed item
    expect(second.outcome.metrics).toMatchObject({ n: 4, restored: 3, evaluated: 1, score: 0.75 });
    expect(second.outcome.metrics.checkpoint).toBe(first.outcome.metrics.checkpoint);
  });

  it("reports no score for no records", () => {
    expect(customMetrics({ name: "t", version: "1", file: "/t.yaml", scoringTypes: ["exact"] }, [])).toMatchObject({ n: 0, score: null, score_stderr: null, correct: 0 });
  });
});
