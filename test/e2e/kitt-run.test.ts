/**
 * `kitt run` end to end against the real llama-server and the generated tiny model, natively
 * and in a Docker container kitt starts: a results folder with real numbers, and nothing left
 * running afterwards.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LLAMA_CPP_IMAGE } from "../../src/setup/llama-cpp-image.js";
import { runKitt, startKitt, tempKittHome } from "../support/cli.js";
import { containersOf, imageExists } from "../support/docker.js";
import { checkEngineProcess } from "../support/engine-process.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer, unavailable } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const server = await requireLlamaServer();
const docker = await requireDocker();
const image = docker && imageExists(LLAMA_CPP_IMAGE) ? LLAMA_CPP_IMAGE : unavailable(LLAMA_CPP_IMAGE, "image not built: run `kitt engines setup llama_cpp --build`");

interface Throughput {
  avg_tps: number;
  avg_ttft_ms: number;
  p50_ttft_ms: number;
  total_tokens_generated: number;
  requests: number;
  token_source: string;
}

function checkResultsFolder(dir: string, runtime: string): void {
  for (const file of ["metrics.json", "hardware.json", "config.json", "summary.md"]) {
    expect(existsSync(join(dir, file)), file).toBe(true);
  }
  const metrics = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8"));
  expect(metrics).toMatchObject({ status: "completed", passed: true, engine: "llama_cpp", suite_name: "quick", total_benchmarks: 1, passed_count: 1 });
  expect(metrics.kitt_version).toMatch(/^\d+\.\d+\.\d+/);
  const [result] = metrics.results;
  expect(result.test_name).toBe("throughput");
  expect(result.warmup_times).toHaveLength(5);
  const m = result.metrics as Throughput;
  expect(m.requests).toBe(5);
  expect(m.token_source).toBe("server");
  expect(m.avg_tps).toBeGreaterThan(0);
  expect(m.avg_ttft_ms).toBeGreaterThan(0);
  expect(m.p50_ttft_ms).toBeGreaterThan(0);
  // The tiny model rarely stops early; server-reported tokens must be there.
  expect(m.total_tokens_generated).toBeGreaterThan(5);
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  expect(config.engine).toMatchObject({ name: "llama_cpp", runtime });
  // llama-server's own build string, from /props.
  expect(config.engine.version).toMatch(/\S/);
  expect(config.model.format).toBe("gguf");
  const hardware = JSON.parse(readFileSync(join(dir, "hardware.json"), "utf8"));
  expect(hardware.cpu.threads).toBeGreaterThan(0);
  checkEngineProcess(metrics.engine_process, runtime === "docker" ? "docker stats" : "procfs");
  expect(readFileSync(join(dir, "summary.md"), "utf8")).toContain("throughput");
}

describe.skipIf(!server)("kitt run, native llama-server", () => {
  it("produces a results folder with non-zero tokens/s and TTFT and leaves no engine process", async () => {
    const model = await ensureTestModel();
    const port = await freePort();
    const out = join(mkdtempSync(join(tmpdir(), "kitt-run-")), "results");
    const home = tempKittHome();
    const result = await runKitt(["run", "-m", model, "-e", "llama_cpp", "--runtime", "native", "--port", String(port), "-o", out], {
      KITT_HOME: home,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("engine ready");
    expect(result.stdout).toContain("throughput");
    checkResultsFolder(out, "native");
    expect(llamaServersOnPort(port)).toEqual([]);

    // Stored automatically in ~/.kitt/kitt.db, and exported byte for byte as the folder has it.
    const list = await runKitt(["storage", "list", "--json"], { KITT_HOME: home });
    expect(list.code, list.stderr).toBe(0);
    const runs = JSON.parse(list.stdout) as Array<{ id: string; status: string; engine: string; model: string }>;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "completed", engine: "llama_cpp", model: "kitt-tiny-llama.gguf" });
    const exported = join(mkdtempSync(join(tmpdir(), "kitt-export-")), "run");
    const exportRun = await runKitt(["storage", "export", runs[0]?.id ?? "", "-o", exported], { KITT_HOME: home });
    expect(exportRun.code, exportRun.stderr).toBe(0);
    for (const file of ["metrics.json", "config.json", "hardware.json"]) {
      expect(readFileSync(join(exported, file), "utf8"), file).toBe(readFileSync(join(out, file), "utf8"));
    }
    // And reported from the database.
    const markdown = await runKitt(["report", runs[0]?.id ?? "", "--format", "md"], { KITT_HOME: home });
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).toContain("throughput");
    const csv = await runKitt(["report", runs[0]?.id ?? "", "--format", "csv"], { KITT_HOME: home });
    expect(csv.stdout).toMatch(/^test,run_number,metric,value\n/);
    expect(csv.stdout).toMatch(/\nthroughput,1,avg_tps,\d/);
  }, 120_000);
});

describe.skipIf(!server || !docker || !image)("kitt run, llama-server in Docker", () => {
  it("produces a results folder with non-zero tokens/s and TTFT and leaves no container", async () => {
    const model = await ensureTestModel();
    const port = await freePort();
    const out = join(mkdtempSync(join(tmpdir(), "kitt-run-")), "results");
    const run = startKitt(["run", "-m", model, "-e", "llama_cpp", "--port", String(port), "-o", out], { KITT_HOME: tempKittHome() });
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/starting llama_cpp \(docker: container kitt-llama-cpp-\d{14}-[0-9a-f]{6}, image kitt\/llama-cpp:cpu\)/);
    checkResultsFolder(out, "docker");
    const engineConfig = JSON.parse(readFileSync(join(out, "config.json"), "utf8")).engine;
    expect(engineConfig.image).toBe(LLAMA_CPP_IMAGE);
    expect(engineConfig.image_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(containersOf(run.child.pid ?? 0)).toEqual([]);
  }, 120_000);
});

describe.skipIf(!server)("kitt run with an unreachable results database", () => {
  it("keeps the results folder, exits 0, and says how to import it later", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kitt-nodb-")), "results");
    const result = await runKitt(
      ["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--runtime", "native", "--port", String(await freePort()), "-o", out, "--db", "postgres://kitt:wrong@127.0.0.1:1/nowhere"],
      { KITT_HOME: tempKittHome() },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`kitt storage import ${out}`);
    checkResultsFolder(out, "native");
  }, 120_000);
});

