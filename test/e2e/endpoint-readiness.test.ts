/**
 * An engine someone else runs (`--url`) is there or not: a port that refuses connections for
 * 10 s fails with exit 10 and says so, instead of waiting out the 300 s readiness timeout —
 * unless `--readiness-timeout` is given, which then decides alone.
 */
import { describe, expect, it } from "vitest";
import { runKitt, tempKittHome } from "../support/cli.js";
import { freePort } from "../support/llama.js";

describe("--url to a port where nothing listens", () => {
  it("bench serve: connection refused for 10 s fails with exit 10 and a clear line", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const result = await runKitt(["bench", "serve", "-e", "vllm", "--url", url, "-m", "some-model", "--num-prompts", "4"], {
      KITT_HOME: tempKittHome(),
    });
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, result.stderr).toBe(10);
    expect(result.stderr).toMatch(
      new RegExp(`kitt: error: nothing answers at ${url}/health: connection refused for 10 s \\(is vllm running there\\? --readiness-timeout S waits longer\\)`),
    );
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(seconds).toBeGreaterThanOrEqual(10);
    expect(seconds).toBeLessThan(40);
  }, 60_000);

  it("run: an explicit --readiness-timeout wins over the 10 s rule", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const result = await runKitt(["run", "-e", "vllm", "--url", url, "-m", "some-model", "--readiness-timeout", "13"], {
      KITT_HOME: tempKittHome(),
    });
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, result.stderr).toBe(10);
    expect(result.stderr).toContain(`kitt: error: vllm did not become ready at ${url}/health within 13 s`);
    expect(seconds).toBeGreaterThanOrEqual(13);
  }, 60_000);
});
