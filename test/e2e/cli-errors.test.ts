/**
 * Bad input gets one clear line and a distinct exit code, never a stack trace, and nothing
 * is started. These run the built CLI as a user would.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runKitt, startKitt, tempKittHome } from "../support/cli.js";
import { containersOf } from "../support/docker.js";
import { ensureTestModel, freePort, requireDocker } from "../support/llama.js";

const docker = await requireDocker();

function expectOneLineError(result: { code: number; stderr: string }, code: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trim().split("\n");
  const errorLine = lines.find((line) => line.startsWith("kitt: error:"));
  expect(errorLine, result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

const home = tempKittHome();
const kitt = (args: string[], env: Record<string, string> = {}) => runKitt(args, { KITT_HOME: home, ...env });

describe("kitt CLI errors", () => {
  it("unknown engine: exit 4, naming the known engines", async () => {
    const result = await kitt(["run", "-m", "x.gguf", "-e", "nope"]);
    expectOneLineError(result, 4, /^kitt: error: unknown engine 'nope'; known engines: vllm, sglang, tgi, llama_cpp, ollama, exllamav2, mlx$/);
  });

  it("missing model path: exit 3", async () => {
    const result = await kitt(["run", "-m", "/nonexistent/model.gguf", "-e", "llama_cpp", "--runtime", "native"]);
    expectOneLineError(result, 3, /model path not found: \/nonexistent\/model\.gguf/);
  });

  it("a format the engine does not take is refused before anything starts: exit 5, naming what it takes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitt-st-"));
    writeFileSync(join(dir, "model.safetensors"), "");
    writeFileSync(join(dir, "config.json"), "{}");
    const result = await kitt(["run", "-m", dir, "-e", "llama_cpp"]);
    expectOneLineError(result, 5, /llama_cpp cannot load safetensors models .*; it takes: gguf$/);
    const gguf = await ensureTestModel();
    const vllm = await kitt(["run", "-m", gguf, "-e", "vllm"]);
    expectOneLineError(vllm, 5, /vllm cannot load gguf models .*; it takes: safetensors, pytorch/);
  });

  it("port already in use: exit 6", async () => {
    const port = await freePort();
    const server = createServer().listen(port, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const result = await kitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--runtime", "native", "--port", String(port)]);
      expectOneLineError(result, 6, new RegExp(`port ${port} is already in use`));
    } finally {
      server.close();
    }
  });

  it("no Docker daemon: exit 7", async () => {
    const result = await kitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--port", String(await freePort())], {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    expectOneLineError(result, 7, /no Docker daemon answers .*; start dockerd or use --runtime native/);
  });

  it.skipIf(!docker)("image absent without --auto-pull: exit 8, and no container", async () => {
    const run = startKitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--port", String(await freePort()), "--image", "kitt/absent:never"], { KITT_HOME: home });
    expectOneLineError(await run.done, 8, /image kitt\/absent:never is not present locally; pass --auto-pull/);
    expect(containersOf(run.child.pid ?? 0)).toEqual([]);
  });

  it("mlx refuses cleanly on Linux: exit 13", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitt-mlx-"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "model.safetensors"), "");
    writeFileSync(join(dir, "config.json"), '{"quantization":{"group_size":64,"bits":4}}');
    const result = await kitt(["run", "-m", dir, "-e", "mlx", "--runtime", "native"]);
    expectOneLineError(result, 13, /^kitt: error: MLX runs only on macOS/);
    const check = await kitt(["engines", "check", "mlx"]);
    expect(check.code).toBe(13);
  });

  it("bad command line: exit 2", async () => {
    const noEngine = await kitt(["run", "-m", "x.gguf"]);
    expect(noEngine.code).toBe(2);
    expect(noEngine.stderr).toContain("required option '-e, --engine <name>' not specified");
    const badRuns = await kitt(["run", "-m", "x.gguf", "-e", "llama_cpp", "--runs", "zero"]);
    expect(badRuns.code).toBe(2);
    expect(badRuns.stderr).toContain("expected a positive integer");
    const unknown = await kitt(["frobnicate"]);
    expect(unknown.code).toBe(2);
  });

  it("an invalid suite file: exit 14 with file:line:column", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitt-suite-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "suite_name: bad\nversion: '1'\ntests:\n  - no_such_test\n");
    const result = await kitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--runtime", "native", "-s", file]);
    expectOneLineError(result, 14, new RegExp(`${file}:4:5 .*no_such_test`));
  });

  it("--help and --version succeed", async () => {
    expect((await kitt(["--help"])).code).toBe(0);
    const version = await kitt(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
