/**
 * `kitt engines list | check | setup --dry-run | cleanup`, including cleanup after kitt
 * itself was killed with SIGKILL (no chance to clean up on its own) — and never of what a
 * kitt still running owns. Cleanup runs through a docker wrapper that shows it only the
 * containers of the test at hand, so it never touches other runs on the machine.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LLAMA_CPP_IMAGE } from "../../src/setup/llama-cpp-image.js";
import { runKitt, startKitt, tempKittHome } from "../support/cli.js";
import { containersOf, imageExists, removeContainersOf, scopedDocker, waitForKittContainer } from "../support/docker.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer, unavailable } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const server = await requireLlamaServer();
const docker = await requireDocker();
const image = docker && imageExists(LLAMA_CPP_IMAGE) ? LLAMA_CPP_IMAGE : unavailable(LLAMA_CPP_IMAGE, "image not built");
const longSuite = fileURLToPath(new URL("../fixtures/suites/long-throughput.yaml", import.meta.url));
const steadySuite = fileURLToPath(new URL("../fixtures/suites/steady-throughput.yaml", import.meta.url));

describe("kitt engines", () => {
  it("list shows every engine with image, port, formats and log-probability support", async () => {
    const result = await runKitt(["engines", "list", "--json"]);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{ name: string; port: number; formats: string[]; prompt_logprobs: boolean }>;
    expect(rows.map((row) => row.name)).toEqual(["vllm", "sglang", "tgi", "llama_cpp", "ollama", "exllamav2", "mlx"]);
    expect(rows.find((row) => row.name === "llama_cpp")).toMatchObject({ port: 8080, formats: ["gguf"], prompt_logprobs: false });
    expect(rows.find((row) => row.name === "vllm")).toMatchObject({ port: 8000, prompt_logprobs: true });
    const table = await runKitt(["engines", "list"]);
    expect(table.stdout).toContain("vllm/vllm-openai:latest");
  });

  it("setup --dry-run says what it would do and does nothing", async () => {
    const result = await runKitt(["engines", "setup", "vllm", "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("would run: docker pull vllm/vllm-openai:latest");
    const build = await runKitt(["engines", "setup", "llama_cpp", "--build", "--dry-run"]);
    expect(build.stderr).toContain("would fetch llama.cpp's source");
  });

  it.skipIf(!docker)("check honours image_overrides in ~/.kitt/engines.yaml", async () => {
    const home = tempKittHome();
    writeFileSync(join(home, "engines.yaml"), "image_overrides:\n  vllm: registry.local/vllm:pinned\n");
    const result = await runKitt(["engines", "check", "vllm"], { KITT_HOME: home });
    expect(result.stdout).toMatch(/image\s+registry\.local\/vllm:pinned \(override, not pulled/);
  });

  it.skipIf(!docker || !image)("check reports the locally built llama.cpp image", async () => {
    const result = await runKitt(["engines", "check", "llama_cpp"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/image\s+kitt\/llama-cpp:cpu \(local-build, present\)/);
  });

  it.skipIf(!server || !docker || !image)(
    "cleanup from another KITT_HOME removes the container of a SIGKILLed kitt and leaves a live run's alone; the live run finishes",
    async () => {
      const scope = scopedDocker();
      const run = async (suite: string, extra: string[] = []) =>
        startKitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--port", String(await freePort()), "-s", suite, "--skip-warmup", ...extra], {
          KITT_HOME: tempKittHome(),
          KITT_DOCKER: scope.path,
        });
      const killed = await run(longSuite);
      const out = join(mkdtempSync(join(tmpdir(), "kitt-live-")), "results");
      let live: Awaited<ReturnType<typeof run>> | undefined;
      try {
        const orphan = await waitForKittContainer(60_000, killed.child.pid);
        await killed.waitFor(/throughput: run 1\/1/);
        killed.child.kill("SIGKILL");
        await killed.done;
        expect(containersOf(killed.child.pid!)).toEqual([orphan]);

        live = await run(steadySuite, ["-o", out]);
        const container = await waitForKittContainer(60_000, live.child.pid);
        await live.waitFor(/throughput: run 1\/1/);
        const cleanup = await runKitt(["engines", "cleanup"], { KITT_HOME: tempKittHome(), KITT_DOCKER: scope.path });
        expect(cleanup.code, cleanup.stderr).toBe(0);
        expect(cleanup.stderr).toContain(`removed 1 leftover container(s): ${orphan}`);
        expect(cleanup.stderr).toContain(`left alone, their kitt is still running: ${container} (kitt pid ${live.child.pid})`);
        expect(containersOf(killed.child.pid!)).toEqual([]);
        expect(containersOf(live.child.pid!)).toEqual([container]);

        const result = await live.done;
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).status).toBe("completed");
        expect(containersOf(live.child.pid!)).toEqual([]);
      } finally {
        live?.child.kill("SIGKILL");
        removeContainersOf([killed.child.pid!, live?.child.pid ?? 0]);
      }
    },
    // Two engine starts and a 30-generation run: minutes on a busy 2-core machine.
    240_000,
  );

  it.skipIf(!docker || !image)("cleanup leaves a container whose owner is not recorded alone and says how to remove it; --all removes it and says so", async () => {
    const scope = scopedDocker();
    const name = `kitt-older-${Date.now()}`;
    // What an older kitt made: kitt's label, no owner.
    execFileSync("docker", ["create", "--label", "kitt.managed=true", "--label", scope.label, "--name", name, LLAMA_CPP_IMAGE], { stdio: "ignore" });
    try {
      const cleanup = await runKitt(["engines", "cleanup"], { KITT_HOME: tempKittHome(), KITT_DOCKER: scope.path });
      expect(cleanup.code, cleanup.stderr).toBe(0);
      expect(cleanup.stderr).toContain(`left alone, their kitt cannot be checked from here: ${name} (owner not recorded: made by an older kitt)`);
      expect(cleanup.stderr).toContain("'kitt engines cleanup --all' removes them");
      expect(execFileSync("docker", ["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Names}}"], { encoding: "utf8" }).trim()).toBe(name);

      const all = await runKitt(["engines", "cleanup", "--all"], { KITT_HOME: tempKittHome(), KITT_DOCKER: scope.path });
      expect(all.code, all.stderr).toBe(0);
      expect(all.stderr).toContain("--all: removing every kitt container and engine process, including those of runs still going");
      expect(all.stderr).toContain(`removed 1 leftover container(s): ${name}`);
      expect(execFileSync("docker", ["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Names}}"], { encoding: "utf8" }).trim()).toBe("");
    } finally {
      execFileSync("docker", ["rm", "-f", name], { stdio: "ignore" });
    }
  }, 60_000);

  it.skipIf(!server)("cleanup stops the native engine a SIGKILLed kitt left behind", async () => {
    const home = tempKittHome();
    const port = await freePort();
    const kitt = startKitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--runtime", "native", "--port", String(port), "-s", longSuite, "--skip-warmup"], { KITT_HOME: home });
    await kitt.waitFor(/throughput: run 1\/1/);
    kitt.child.kill("SIGKILL");
    await kitt.done;
    expect(llamaServersOnPort(port)).toHaveLength(1);
    const cleanup = await runKitt(["engines", "cleanup"], { KITT_HOME: home });
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(cleanup.stderr).toMatch(/stopped 1 leftover engine process\(es\): llama_cpp \(pid \d+\)/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(llamaServersOnPort(port)).toEqual([]);
  }, 60_000);
});
