/**
 * A results database that accepts connections and never answers (a real TCP listener that
 * stays silent): commands that need the database exit 18 within the connect timeout, naming
 * it without its password; `kitt run` and `kitt bench serve` finish their work, keep the
 * folder and say how to import it; Ctrl+C stays prompt. And an address kitt cannot use is
 * refused before anything starts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runKitt, startKitt, tempKittHome } from "../support/cli.js";
import { freePort } from "../support/llama.js";
import { safetensorsModel } from "../support/models.js";
import { silentDatabase } from "../support/silent-database.js";

const vllm = fileURLToPath(new URL("../emulators/bin/vllm.mjs", import.meta.url));
const longSuite = fileURLToPath(new URL("../fixtures/suites/long-throughput.yaml", import.meta.url));
const emulatorEnv = { KITT_EMULATOR_STARTUP_MS: "300", KITT_EMULATOR_TOKEN_DELAY_MS: "0.2" };

async function runArgs(out: string, extra: string[] = []): Promise<string[]> {
  return ["run", "-e", "vllm", "-m", safetensorsModel(), "--runtime", "native", "--binary", vllm, "--port", String(await freePort()), "-o", out, ...extra];
}

function resultsFolder(prefix: string): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), "results");
}

describe("a results database that never answers", () => {
  it("storage list exits 18 within the default 10 s connect timeout, without the password", async () => {
    await using server = await silentDatabase();
    const started = performance.now();
    const result = await runKitt(["storage", "list", "--db", server.url], { KITT_HOME: tempKittHome() });
    const seconds = (performance.now() - started) / 1000;
    expect(result.code, result.stderr).toBe(18);
    expect(result.stderr).toContain(`kitt: error: the database postgres://kitt:***@127.0.0.1:${server.port}/kitt did not answer within 10 s (KITT_DB_CONNECT_TIMEOUT)`);
    expect(result.stderr).not.toContain("s3cret-pass");
    expect(seconds).toBeGreaterThanOrEqual(9.5);
    expect(seconds).toBeLessThan(25);
  }, 60_000);

  it("Ctrl+C while storage list waits exits 130 at once", async () => {
    await using server = await silentDatabase();
    const kitt = startKitt(["storage", "list", "--db", server.url], { KITT_HOME: tempKittHome() });
    while (server.connections() === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const signalled = performance.now();
    kitt.child.kill("SIGINT");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(130);
    // Before: the full 30 s of grace for work to settle.
    expect((performance.now() - signalled) / 1000).toBeLessThan(5);
  }, 60_000);

  it("kitt run completes, keeps the folder and prints the import hint", async () => {
    await using server = await silentDatabase();
    const out = resultsFolder("kitt-silent-run-");
    const result = await runKitt([...(await runArgs(out)), "--db", server.url], { KITT_HOME: tempKittHome(), ...emulatorEnv });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"))).toMatchObject({ status: "completed", passed: true });
    expect(result.stderr).toContain(`did not answer within 10 s (KITT_DB_CONNECT_TIMEOUT)); they are in ${out}: run \`kitt storage import ${out}\``);
    expect(result.stderr).not.toContain("s3cret-pass");
  }, 60_000);

  it("kitt bench serve completes, keeps the folder and prints the import hint", async () => {
    await using server = await silentDatabase();
    const out = resultsFolder("kitt-silent-serve-");
    const result = await runKitt(
      ["bench", "serve", "-e", "vllm", "-m", safetensorsModel(), "--runtime", "native", "--binary", vllm, "--port", String(await freePort()), "-o", out,
        "--dataset", "prompts", "--prompt", "Tell me about rivers.", "--num-prompts", "20", "--random-output-len", "8", "--warmup-requests", "0", "--db", server.url],
      { KITT_HOME: tempKittHome(), ...emulatorEnv },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "serve.json"), "utf8"))).toMatchObject({ completed: 20, failed: 0 });
    expect(result.stderr).toContain(`they are in ${out}: run \`kitt storage import ${out}\``);
  }, 60_000);

  it("Ctrl+C during a run whose database stopped answering after connecting exits promptly, results kept", async () => {
    await using server = await silentDatabase({ afterStartup: true });
    const out = resultsFolder("kitt-silent-sigint-");
    const kitt = startKitt([...(await runArgs(out, ["-s", longSuite, "--skip-warmup"])), "--db", server.url], { KITT_HOME: tempKittHome(), ...emulatorEnv });
    await kitt.waitFor(/throughput: run 1\/1/);
    while (!existsSync(join(out, "metrics.json")) || server.connections() === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const signalled = performance.now();
    kitt.child.kill("SIGINT");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(130);
    // Before: the full 30 s of grace, spent waiting on the database.
    expect((performance.now() - signalled) / 1000).toBeLessThan(10);
    expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).status).toBe("interrupted");
    expect(result.stderr).toContain(`kitt storage import ${out}`);
  }, 60_000);
});

describe("a database address kitt cannot use", () => {
  it("an unknown scheme is refused in one line (exit 2), names no password and creates no file", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "kitt-scheme-"));
    const result = await runKitt(["storage", "list", "--db", "mysql://root:hunter2@db/kitt"], { KITT_HOME: tempKittHome() }, cwd);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("kitt: error: --db mysql://…: kitt stores results in SQLite (a file path or sqlite:PATH) or PostgreSQL (postgres://…)");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("kitt run refuses it from KITT_DB_URL before starting the engine", async () => {
    const out = resultsFolder("kitt-scheme-run-");
    const result = await runKitt(await runArgs(out), { KITT_HOME: tempKittHome(), KITT_DB_URL: "mysql://root:hunter2@db/kitt" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("kitt: error: KITT_DB_URL mysql://…: kitt stores results in SQLite");
    expect(result.stderr).not.toContain("starting vllm");
    expect(existsSync(out)).toBe(false);
  });
});
