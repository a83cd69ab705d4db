/**
 * The runtime's container image, built from this checkout by `kitt runtime image` with no base
 * image and no registry: as a sidecar it serves the real llama-server's health and metrics; as
 * an init container, running as its unprivileged user, it downloads a model folder from a
 * mounted volume. Skipped without Docker or a llama-server build on a developer's machine;
 * fails in CI.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NativeProcess } from "../../src/runtime/native.js";
import type { LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { BUILD_LABEL } from "../../src/setup/runtime-image.js";
import { IMAGE_LABEL } from "../../src/setup/scratch-image.js";
import { imageExists } from "../support/docker.js";
import { runKitt } from "../support/cli.js";
import { freePort, requireDocker, requireLlamaServer, startTestLlamaServer } from "../support/llama.js";

const install = await requireLlamaServer();
const docker = await requireDocker();
const TAG = `kitt/runtime:test-${process.pid}-${randomBytes(3).toString("hex")}`;
const CONTAINER = `kitt-runtime-test-${process.pid}-${randomBytes(3).toString("hex")}`;

function dockerRun(args: string[], timeoutMs = 120_000): string {
  return execFileSync("docker", args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
}

async function waitForStatus(url: string, status: number, timeoutMs = 60_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === status) return response;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer ${status} in ${timeoutMs} ms (${last})`);
}

describe.skipIf(!install || !docker)("the kitt/runtime image", () => {
  let dir: string;
  let llama: NativeProcess | undefined;
  let llamaUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kitt-runtime-image-"));
    const built = await runKitt(["runtime", "image", "--tag", TAG], { KITT_HOME: join(dir, "home") });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout + built.stderr).toContain(`built ${TAG}`);

    const server = await startTestLlamaServer(install as LlamaServerInstall, ["--metrics"]);
    llama = server.process;
    llamaUrl = server.url;
  }, 600_000);

  afterAll(async () => {
    try {
      execFileSync("docker", ["rm", "-f", CONTAINER], { stdio: "ignore" });
    } catch {
      // never started
    }
    await llama?.stop();
    if (imageExists(TAG)) execFileSync("docker", ["rmi", "-f", TAG], { stdio: "ignore" });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is labelled with its build, and a second build of the same checkout reuses it", async () => {
    const labels = JSON.parse(dockerRun(["image", "inspect", "--format", "{{json .Config.Labels}}", TAG])) as Record<string, string>;
    expect(labels[IMAGE_LABEL]).toBe("true");
    expect(labels[BUILD_LABEL]).toMatch(/^[0-9a-f]{16}$/);
    const again = await runKitt(["runtime", "image", "--tag", TAG], { KITT_HOME: join(dir, "home") });
    expect(again.code).toBe(0);
    expect(again.stdout + again.stderr).toContain(`${TAG} is up to date (build ${labels[BUILD_LABEL]})`);
  }, 120_000);

  it("runs as the sidecar of the real llama-server: health and kthena metrics", async () => {
    const port = await freePort();
    dockerRun(["run", "-d", "--network", "host", "--name", CONTAINER, TAG,
      "runtime", "--engine", "llama_cpp", "--engine-base-url", llamaUrl, "--port", String(port), "--pod", "pod-in-docker", "--model", "tiny"]);
    const runtimeUrl = `http://127.0.0.1:${port}`;
    await waitForStatus(`${runtimeUrl}/health`, 200);
    const metrics = await (await fetch(`${runtimeUrl}/metrics`)).text();
    expect(metrics).toMatch(/^kitt_runtime_engine_up\{engine="llama_cpp",pod="pod-in-docker",model="tiny"\} 1$/m);
    expect(metrics).toContain("# TYPE kthena:generation_tokens_total counter");
    execFileSync("docker", ["stop", "--time", "10", CONTAINER], { stdio: "ignore", timeout: 30_000 });
    expect(dockerRun(["inspect", "--format", "{{.State.ExitCode}}", CONTAINER]).trim()).toBe("143");
  }, 120_000);

  it("downloads a model folder as an init container, as its unprivileged user", async () => {
    const volume = join(dir, "volume");
    await mkdir(join(volume, "source"), { recursive: true });
    const weights = randomBytes(1024 * 1024);
    await writeFile(join(volume, "source", "model.safetensors"), weights);
    await chmod(volume, 0o777);
    dockerRun(["run", "--rm", "-v", `${volume}:/models`, TAG, "models", "download", "pvc://models/source", "-o", "/models/placed"]);
    expect((await readFile(join(volume, "placed", "model.safetensors"))).equals(weights)).toBe(true);
  }, 120_000);
});
