/**
 * Custom tests under `kitt run`, end to end: YAML tests in a temporary KITT_HOME, a suite naming
 * them, the built CLI against an emulated vLLM (an endpoint kitt does not own). The emulator's
 * "model" streams words from a fixed passage, so one test asks what it always answers (score 1)
 * and the other what it never does (score 0).
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../emulators/index.mjs";
import { runKitt, tempKittHome } from "../support/cli.js";

const MAX_TOKENS = 60; // more words than the emulator's passage has: every word appears

/** What the emulator answers this prompt, asked directly (greedy, no stop). */
async function emulatorAnswer(url: string, model: string, prompt: string): Promise<string> {
  const response = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, prompt, max_tokens: MAX_TOKENS, temperature: 0 }),
  });
  const body = (await response.json()) as { choices: { text: string }[] };
  return body.choices[0]!.text;
}

function rightTest(exactAnswer: string): string {
  return `name: emu_right
description: Answers the emulated engine always gives
version: "2"
prompt_template: "Tell me about {topic}."
sampling: {max_tokens: ${MAX_TOKENS}}
scoring: {type: contains}
items:
  - vars: {topic: foxes}
    expected: fox
  - vars: {topic: rivers}
    expected: [river, mill]
  - vars: {topic: animals}
    scoring: {type: choice, choices: [elephant, fox]}
    expected: fox
  - vars: {topic: millers}
    scoring: {type: regex, pattern: "\\\\bmiller\\\\b"}
  - id: exact
    vars: {topic: exactness}
    scoring: {type: exact}
    expected: ${JSON.stringify(exactAnswer)}
`;
}

const WRONG_TEST = `name: emu_wrong
description: Answers the emulated engine never gives
prompt_template: "Tell me about {topic}."
sampling: {max_tokens: ${MAX_TOKENS}}
scoring: {type: contains}
items:
  - vars: {topic: elephants}
    expected: elephant
  - vars: {topic: animals}
    scoring: {type: choice, choices: [elephant, giraffe]}
    expected: giraffe
  - vars: {topic: numbers}
    scoring: {type: numeric, tolerance: 1}
    expected: 42
  - vars: {topic: json}
    scoring: {type: json_schema, schema: {type: object}}
  - vars: {topic: exactness}
    scoring: {type: exact}
    expected: the quick brown fox
  - vars: {topic: patterns}
    scoring: {type: regex, pattern: "^\\\\d+$"}
`;

interface ResultEntry {
  test_name: string;
  passed: boolean;
  metrics: Record<string, unknown>;
}

describe("custom tests under kitt run", () => {
  it("score 1 where the engine answers right and 0 where it answers wrong", async () => {
    await using vllm = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 0.2 });
    await vllm.ready;
    const home = tempKittHome();
    mkdirSync(join(home, "tests"));
    const exact = await emulatorAnswer(vllm.url, "tiny", "Tell me about exactness.");
    writeFileSync(join(home, "tests", "emu_right.yaml"), rightTest(exact.trim()));
    writeFileSync(join(home, "tests", "emu_wrong.yaml"), WRONG_TEST);
    const work = mkdtempSync(join(tmpdir(), "kitt-custom-e2e-"));
    const suite = join(work, "custom.yaml");
    writeFileSync(suite, "suite_name: custom_e2e\ntests:\n  - emu_right\n  - {name: emu_wrong, concurrency: 2}\n");
    const out = join(work, "results");

    const result = await runKitt(["run", "-e", "vllm", "--url", vllm.url, "-m", "tiny", "-s", suite, "-o", out], { KITT_HOME: home });
    expect(result.code, result.stderr).toBe(0);

    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { status: string; results: ResultEntry[] };
    expect(metrics.status).toBe("completed");
    const byName = Object.fromEntries(metrics.results.map((entry) => [entry.test_name, entry]));
    expect(byName.emu_right).toMatchObject({ passed: true, metrics: { method: "generation", n: 5, correct: 5, score: 1, score_stderr: 0, failed: 0 } });
    expect(byName.emu_right!.metrics.per_scoring).toMatchObject({ contains: { n: 2, score: 1 }, choice: { score: 1 }, regex: { score: 1 }, exact: { score: 1 } });
    expect(byName.emu_wrong).toMatchObject({ passed: true, metrics: { n: 6, correct: 0, score: 0, failed: 0 } });

    // Every item's prompt, output, verdict and reason, in the outputs file under KITT_HOME.
    const outputsFile = byName.emu_wrong!.metrics.outputs_file as string;
    expect(outputsFile.startsWith(join(home, "quality"))).toBe(true);
    const records = gunzipSync(readFileSync(outputsFile)).toString("utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(records).toHaveLength(6);
    const numeric = records.find((record) => record.detail.scoring === "numeric");
    expect(numeric.detail).toMatchObject({ prompt: "Tell me about numbers.", expected: 42, passed: false, reason: "no number in the output" });
    expect(numeric.detail.output).toMatch(/^( [a-z]+){60}$/);
    expect(records.find((record) => record.detail.scoring === "json_schema").detail.reason).toMatch(/^not JSON/);

    // The suite's settings and the test file's sampling, as the run used them.
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.tests.emu_right).toMatchObject({ max_tokens: MAX_TOKENS, temperature: 0 });
    expect(config.tests.emu_wrong).toMatchObject({ concurrency: 2 });
    // Without a setting, as many items in flight as keep vLLM busy; the value used is in the results.
    expect(config.tests.emu_right.concurrency).toBeUndefined();
    expect(byName.emu_right!.metrics.concurrency).toBe(64);
    expect(byName.emu_wrong!.metrics.concurrency).toBe(2);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toMatch(/emu_right/);
  }, 60_000);

  it("runs one custom test by name, with --limit", async () => {
    await using vllm = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 0.2 });
    await vllm.ready;
    const home = tempKittHome();
    mkdirSync(join(home, "tests"));
    writeFileSync(join(home, "tests", "emu_wrong.yaml"), WRONG_TEST);
    const out = join(mkdtempSync(join(tmpdir(), "kitt-custom-e2e-")), "results");
    const result = await runKitt(["run", "-e", "vllm", "--url", vllm.url, "-m", "tiny", "-s", "emu_wrong", "--limit", "2", "-o", out], {
      KITT_HOME: home,
    });
    expect(result.code, result.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.suite_name).toBe("emu_wrong");
    expect(metrics.results).toHaveLength(1);
    expect(metrics.results[0].metrics).toMatchObject({ n: 2, score: 0 });
  }, 60_000);
});
