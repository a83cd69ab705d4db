/**
 * A job's request becomes `kitt run`'s argv from checked fields only: names that could pass for
 * flags are refused, the model becomes its real path inside the model directory, and options map
 * to their flags one to one.
 */
import { mkdtemp, realpath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobRequestSchema, prepareJob, runArguments } from "../../src/server/jobs/job-request.js";

async function modelDir(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "kitt-job-models-")));
  await writeFile(join(dir, "--help.gguf"), "GGUF and not much else");
  return dir;
}

describe("job requests", () => {
  it("refuses names that could pass for flags, unknown options, and runtime/url mismatches", () => {
    const refused = [
      { engine: "llama_cpp", model: "m.gguf", suite: "--help" },
      { engine: "llama_cpp", model: "m.gguf", tests: ["-x"] },
      { engine: "llama_cpp", model: "m.gguf", tests: ["a b"] },
      { engine: "llama_cpp", model: "m.gguf", options: { engine_arg: "--n-gpu-layers=99" } },
      { engine: "llama_cpp", model: "m.gguf", options: { port: "8080 --foo" } },
      { engine: "llama_cpp", model: "m.gguf", suite: "quick", tests: ["throughput"] },
      { engine: "llama_cpp", runtime: "native" },
      { engine: "llama_cpp", runtime: "endpoint" },
      { engine: "llama_cpp", model: "m.gguf", runtime: "docker", url: "http://127.0.0.1:8080" },
      { engine: "llama_cpp", model: "m.gguf", extra: "--rm" },
      { engine: "--engine", model: "m.gguf" },
    ];
    for (const body of refused) expect(JobRequestSchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
  });

  it("builds kitt run's argv: the model's real path, the suite, and each option's flag", async () => {
    const dir = await modelDir();
    const request = JobRequestSchema.parse({
      engine: "llama_cpp",
      model: "--help.gguf",
      runtime: "docker",
      suite: "quick",
      options: { port: 9001, runs: 2, limit: 5, sample: 3, sample_seed: 7, skip_warmup: true, readiness_timeout_s: 60, gpus: "none" },
    });
    const prepared = await prepareJob(request, { modelDir: dir, env: { KITT_HOME: dir } });
    expect(runArguments(prepared)).toEqual([
      "run", "--engine", "llama_cpp", "--model", join(dir, "--help.gguf"), "--runtime", "docker", "--suite", "quick",
      "--port", "9001", "--runs", "2", "--limit", "5", "--sample", "3", "--sample-seed", "7", "--skip-warmup", "--readiness-timeout", "60", "--gpus", "none",
    ]);
  });

  it("gives tests as a suite file, and an endpoint as --url", async () => {
    const dir = await modelDir();
    const prepared = await prepareJob(JobRequestSchema.parse({ engine: "llama_cpp", tests: ["throughput", "latency"], runtime: "endpoint", url: "http://127.0.0.1:9/" }), {
      modelDir: dir,
      env: { KITT_HOME: dir },
    });
    expect(prepared.suiteYaml).toMatch(/tests:\n\s+- throughput\n\s+- latency/);
    expect(runArguments(prepared, "/jobs/j.suite.yaml")).toEqual(["run", "--engine", "llama_cpp", "--url", "http://127.0.0.1:9/", "--suite", "/jobs/j.suite.yaml"]);
    expect(() => runArguments(prepared)).toThrow(/suite file/);
  });
});
