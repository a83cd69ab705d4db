/**
 * `kitt engines list | check | setup --dry-run | cleanup`, including cleanup after kitt
 * itself was killed with SIGKILL (no chance to clean up on its own).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LLAMA_CPP_IMAGE } from "../../src/setup/llama-cpp-image.js";
import { runKitt, startKitt, tempKittHome } from "../support/cli.js";
import { imageExists, kittContainers, waitForKittContainer } from "../support/docker.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer, unavailable } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const server = await requireLlamaServer();
const docker = await requireDocker();
const image = docker && imageExists(LLAMA_CPP_IMAGE) ? LLAMA_CPP_IMAGE : unavailable(LLAMA_CPP_IMAGE, "image not built");
const longSuite = fileURLToPath(new URL("../fixtures/suites/long-throughput.yaml", import.meta.url));

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

  it.skipIf(!server || !docker || !image)("cleanup removes the container a SIGKILLed kitt left behind", async () => {
    const home = tempKittHome();
    const kitt = startKitt(["run", "-m", await ensureTestModel(), "-e", "llama_cpp", "--port", String(await freePort()), "-s", longSuite, "--skip-warmup"], { KITT_HOME: home });
    const container = await waitForKittContainer();
    await kitt.waitFor(/throughput: run 1\/1/);
    kitt.child.kill("SIGKILL");
    await kitt.done;
    expect(kittContainers()).toContain(container);
    const cleanup = await runKitt(["engines", "cleanup"], { KITT_HOME: home });
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(cleanup.stderr).toContain(container);
    expect(kittContainers()).toEqual([]);
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
