/**
 * The whole sidecar as a user runs it: the built `kitt runtime` beside the real llama-server
 * (tiny model, `--metrics`, a generated tiny LoRA given at start at scale 0), its `/v1/*` routes
 * behind a token. `kitt lora` loads the adapter from a volume (the completion changes) and
 * unloads it (the base model's completion again); a model is downloaded through
 * `POST /v1/models/download` with its progress as Server-Sent Events, into the runtime's models
 * folder only; `/health` and `/metrics` answer for the engine. Skipped without a llama-server
 * build on a developer's machine; fails in CI.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTinyLora } from "../../src/models/tiny-lora.js";
import type { NativeProcess } from "../../src/runtime/native.js";
import type { LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { runKitt, startKitt, type KittRun } from "../support/cli.js";
import { freePort, greedyCompletion, requireLlamaServer, startTestLlamaServer } from "../support/llama.js";

const install = await requireLlamaServer();
const TOKEN = randomBytes(24).toString("hex");

describe.skipIf(!install)("kitt runtime beside llama-server, driven by kitt lora and its download API", () => {
  let dir: string;
  let llama: NativeProcess | undefined;
  let runtime: KittRun | undefined;
  let llamaUrl: string;
  let runtimeUrl: string;
  let adapter: string;
  const env = (): Record<string, string | undefined> => ({ KITT_HOME: join(dir, "home"), KITT_RUNTIME_TOKEN: TOKEN, RUNTIME_PORT: undefined, RUNTIME_URL: undefined });

  const lora = (...args: string[]) => runKitt(["lora", ...args, "--url", runtimeUrl], env());

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kitt-runtime-e2e-"));
    adapter = join(dir, "volume", "adapters", "tiny.gguf");
    await mkdir(join(dir, "volume", "adapters"), { recursive: true });
    await generateTinyLora({ outPath: adapter });
    const server = await startTestLlamaServer(install as LlamaServerInstall, ["--metrics", "--lora-scaled", `${adapter}:0`]);
    llama = server.process;
    llamaUrl = server.url;

    const runtimePort = await freePort();
    runtimeUrl = `http://127.0.0.1:${runtimePort}`;
    runtime = startKitt(
      ["runtime", "--engine", "llama_cpp", "--engine-base-url", llamaUrl, "--port", String(runtimePort), "--pod", "pod-1", "--model", "tiny",
        "--models-dir", join(dir, "models"), "--lora-cache-dir", join(dir, "lora-cache")],
      env(),
    );
    await runtime.waitFor(/kitt runtime: serving /, 30_000);
  }, 120_000);

  afterAll(async () => {
    if (runtime && runtime.child.exitCode === null) runtime.child.kill("SIGTERM");
    const ended = await runtime?.done;
    await llama?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    // SIGTERM is a clean stop: 143, nothing printed as an error.
    if (ended) expect(ended.code).toBe(143);
  });

  it("reports the engine healthy and serves its metrics under kthena names", async () => {
    expect((await fetch(`${runtimeUrl}/health`)).status).toBe(200);
    await greedyCompletion(llamaUrl);
    const metrics = await (await fetch(`${runtimeUrl}/metrics`)).text();
    expect(metrics).toMatch(/^kthena:generation_tokens_total\{pod="pod-1",model="tiny"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^llamacpp:tokens_predicted_total \d+/m);
  });

  it("loads and unloads the adapter with kitt lora: the completion changes, then is the base model's again", async () => {
    const base = await greedyCompletion(llamaUrl);
    const loaded = await lora("load", "tiny", `pvc://${join(dir, "volume", "adapters").slice(1)}`);
    expect(loaded.stderr).toBe("");
    expect(loaded.code).toBe(0);
    const listed = await lora("list", "--json");
    expect(JSON.parse(listed.stdout)).toMatchObject({ engine: "llama_cpp", adapters: [{ name: "tiny", path: adapter, scale: 1, loaded: true }] });
    expect(await greedyCompletion(llamaUrl)).not.toBe(base);

    expect((await lora("unload", "tiny")).code).toBe(0);
    expect(await greedyCompletion(llamaUrl)).toBe(base);

    const noToken = await runKitt(["lora", "list", "--url", runtimeUrl], { ...env(), KITT_RUNTIME_TOKEN: undefined });
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toMatch(/refused the request \(401\)/);
  }, 120_000);

  it("downloads a model through POST /v1/models/download, streaming progress, into its models folder only", async () => {
    const source = join(dir, "volume", "model");
    await mkdir(source, { recursive: true });
    const weights = randomBytes(3 * 1024 * 1024);
    await writeFile(join(source, "model.safetensors"), weights);
    await writeFile(join(source, "config.json"), '{"model_type":"tiny"}\n');
    const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

    const escaping = await fetch(`${runtimeUrl}/v1/models/download`, { method: "POST", headers, body: JSON.stringify({ uri: `pvc://${source.slice(1)}`, dest: "../outside" }) });
    expect(escaping.status).toBe(400);

    const started = await fetch(`${runtimeUrl}/v1/models/download`, { method: "POST", headers, body: JSON.stringify({ uri: `pvc://${source.slice(1)}`, dest: "copied" }) });
    expect(started.status).toBe(202);
    const { id, events } = (await started.json()) as { id: string; events: string };
    const stream = await fetch(new URL(events, runtimeUrl), { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(60_000) });
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await stream.text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(names.at(-1)).toBe("done");
    const state = (await (await fetch(`${runtimeUrl}/v1/models/download/${id}`, { headers })).json()) as { status: string };
    expect(state.status).toBe("done");
    expect((await readFile(join(dir, "models", "copied", "model.safetensors"))).equals(weights)).toBe(true);
  }, 120_000);
});
