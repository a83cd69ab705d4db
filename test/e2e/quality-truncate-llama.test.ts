/**
 * MMLU 5-shot through `kitt run` on the real llama-server with the tiny model (trained context
 * 2,048 tokens), started with one slot of 2,048 tokens: every `high_school_european_history`
 * prompt is longer than that (about 2,900–3,500 tokens), every `astronomy` prompt fits. By
 * default every item is scored, the long prompts cut from the left, and the cut count is in
 * `metrics.json` and `summary.md`; with `truncate: never` the long prompts fail with
 * llama-server's own message, as before. Generation cuts them too, leaving room for the answer.
 * Skipped without llama-server or the MMLU data locally; fails without them in CI.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DATASETS_DIR_ENV } from "../../src/quality/data/resolve.js";
import { runKitt, tempKittHome } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer, requireQualityData } from "../support/llama.js";

const install = await requireLlamaServer();
const datasets = install === undefined ? undefined : requireQualityData("mmlu", "gsm8k");

interface Result {
  metrics: Record<string, unknown>;
  errors: string[];
}

describe.skipIf(install === undefined || datasets === undefined)("MMLU prompts longer than llama-server's 2,048-token context", () => {
  const work = mkdtempSync(join(tmpdir(), "kitt-truncate-e2e-"));
  const home = tempKittHome();

  /** `kitt run` of one MMLU entry (`settings` in YAML flow form) on a fresh llama-server with one 2,048-token slot. */
  async function runMmlu(name: string, settings: string) {
    const suite = join(work, `${name}.yaml`);
    writeFileSync(suite, `suite_name: ${name}\ntests:\n  - {name: mmlu, subjects: [high_school_european_history, astronomy], limit: 2, ${settings}}\n`);
    const out = join(work, name);
    const model = await ensureTestModel();
    const args = ["run", "-e", "llama_cpp", "--runtime", "native", "-m", model, "--port", String(await freePort()), "-s", suite, "-o", out, "--no-store"];
    const engineArgs = ["--engine-arg=-c", "--engine-arg=2048", "--engine-arg=-np", "--engine-arg=1"];
    const { code, stderr } = await runKitt([...args, ...engineArgs], { KITT_HOME: home, [DATASETS_DIR_ENV]: datasets });
    const file = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { results: Result[] };
    return { code, stderr, result: file.results[0]!, summary: readFileSync(join(out, "summary.md"), "utf8") };
  }

  it("scores every item by default, the long prompts cut and counted", { timeout: 300_000 }, async () => {
    const { code, stderr, result, summary } = await runMmlu("cut", "shots: 5");
    expect(result.errors).toEqual([]);
    expect(code, stderr).toBe(0);
    expect(result.metrics).toMatchObject({ method: "top_k_letters", n: 4, failed: 0, truncate: "left", request_context: 2048, truncated_prompts: 2 });
    expect(result.metrics.per_subject).toMatchObject({ high_school_european_history: { n: 2 }, astronomy: { n: 2 } });
    // The summary's MMLU table shows the count beside n.
    expect(summary).toMatch(/\| n \| truncated_prompts \|/);
    expect(summary).toMatch(/\| 4 \| 2 \|/);
  });

  it("MMLU and GSM8K with kitt's own engine settings score every item on the 2,048-token model", { timeout: 300_000 }, async () => {
    const suite = join(work, "defaults.yaml");
    writeFileSync(suite, "suite_name: defaults\ntests:\n  - {name: mmlu, subjects: [high_school_european_history, astronomy], limit: 2}\n  - {name: gsm8k, limit: 4}\n");
    const out = join(work, "defaults");
    const args = ["run", "-e", "llama_cpp", "--runtime", "native", "-m", await ensureTestModel(), "--port", String(await freePort()), "-s", suite, "-o", out, "--no-store"];
    const { code, stderr } = await runKitt(args, { KITT_HOME: home, [DATASETS_DIR_ENV]: datasets });
    expect(code, stderr).toBe(0);
    const [mmlu, gsm8k] = (JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { results: Result[] }).results;
    // Slots of the model's whole trained context: MMLU's longest prompts are cut, GSM8K's fit with their answers.
    expect(mmlu?.metrics).toMatchObject({ n: 4, failed: 0, request_context: 2048, truncated_prompts: 2 });
    expect(gsm8k?.metrics).toMatchObject({ n: 4, failed: 0, request_context: 2048, truncated_prompts: 0 });
  });

  it("with truncate: never, the long prompts fail with llama-server's message", { timeout: 300_000 }, async () => {
    const { code, result } = await runMmlu("strict", "shots: 5, truncate: never");
    expect(code).not.toBe(0);
    expect(result.metrics).toMatchObject({ n: 2, failed: 2, truncate: "never", truncated_prompts: 0 });
    expect(result.errors.join("\n")).toMatch(/context size/);
  });

  it("generation cuts the long prompts too, leaving room for the answer", { timeout: 300_000 }, async () => {
    const { code, stderr, result } = await runMmlu("generation", "shots: 5, method: generation, max_gen_tokens: 4");
    expect(result.errors).toEqual([]);
    expect(code, stderr).toBe(0);
    expect(result.metrics).toMatchObject({ method: "generation", n: 4, failed: 0, truncated_prompts: 2 });
  });
});
