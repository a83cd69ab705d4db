/**
 * `kitt lora load|unload|list` (the built CLI) against the runtime's LoRA routes in front of the
 * vLLM emulator, behind a bearer token as `kitt runtime` serves them: what a person sees, and a
 * distinct exit code for each way it fails.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/errors.js";
import { startEmulator, type RunningEmulator } from "../emulators/index.mjs";
import { runKitt } from "../support/cli.js";
import { freePort } from "../support/llama.js";
import { countingDownloader, serveLoraRoutes, type LoraRuntime } from "../support/lora-runtime.js";

const TOKEN = "runtime-secret-token";

describe("kitt lora", () => {
  let dir: string;
  let adapter: string;
  let tokenFile: string;
  let emulator: RunningEmulator;
  let runtime: LoraRuntime;

  const lora = (...args: string[]) => runKitt(["lora", ...args], { KITT_RUNTIME_TOKEN: undefined });
  const withRuntime = (...args: string[]) => lora(...args, "--url", runtime.url, "--token-file", tokenFile);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kitt-lora-cli-"));
    adapter = join(dir, "sql-lora");
    await mkdir(adapter);
    await writeFile(join(adapter, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 8 }));
    tokenFile = join(dir, "token");
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    emulator = await startEmulator("vllm", { model: "base-model", enableLora: true, allowRuntimeLoraUpdating: true });
    await emulator.ready;
    runtime = await serveLoraRoutes({ engine: "vllm", engineBaseUrl: emulator.url, cacheDir: join(dir, "cache"), fetchArtifact: countingDownloader().fetch }, TOKEN);
  });

  afterAll(async () => {
    await runtime?.close();
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads, lists (table and JSON) and unloads an adapter", async () => {
    const load = await withRuntime("load", "sql", adapter);
    expect(load.stderr).toBe("");
    expect(load.code).toBe(0);
    expect(load.stdout).toMatch(new RegExp(`^loaded adapter sql \\(${join(dir, "cache", "sql")}/[0-9a-f]{16}\\)\\n$`));

    const table = await withRuntime("list");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ sql\s+│ yes\s+│ \S+\/sql\/[0-9a-f]{16}\s+│ base-model\s+│/);

    const json = await withRuntime("list", "--json");
    expect(JSON.parse(json.stdout)).toEqual({ engine: "vllm", adapters: [{ name: "sql", path: expect.stringMatching(/\/sql\/[0-9a-f]{16}$/), parent: "base-model", loaded: true }] });

    expect(await withRuntime("unload", "sql")).toEqual({ code: 0, stdout: "unloaded adapter sql\n", stderr: "" });
    expect((await withRuntime("list")).stdout).toBe("no adapters in vllm\n");
    expect(JSON.stringify(await withRuntime("list", "--json"))).not.toContain(TOKEN);
  }, 90_000);

  it("ends each failure with one line and its own exit code", async () => {
    const refused = await withRuntime("unload", "sql");
    expect(refused.code).toBe(EXIT_CODES.LORA_REFUSED);
    expect(refused.stderr).toBe("kitt: error: vLLM refused to unload adapter 'sql' (404): The lora adapter 'sql' cannot be found.\n");

    const badName = await withRuntime("load", "../sql", adapter);
    expect(badName.code).toBe(EXIT_CODES.USAGE);
    expect(badName.stderr).toMatch(/^kitt: error: adapter name "\.\.\/sql": use letters, digits/);

    const noToken = await lora("list", "--url", runtime.url);
    expect(noToken.code).toBe(EXIT_CODES.USAGE);
    expect(noToken.stderr).toBe(`kitt: error: kitt runtime at ${runtime.url} refused the request (401): it needs a token: pass --token-file or set KITT_RUNTIME_TOKEN\n`);
    const fromEnv = await runKitt(["lora", "list", "--url", runtime.url], { KITT_RUNTIME_TOKEN: TOKEN });
    expect([fromEnv.code, fromEnv.stdout]).toEqual([0, "no adapters in vllm\n"]);
    const wrongToken = await runKitt(["lora", "list", "--url", runtime.url], { KITT_RUNTIME_TOKEN: "not-the-token" });
    expect(wrongToken.code).toBe(EXIT_CODES.USAGE);
    expect(wrongToken.stderr).toBe(`kitt: error: kitt runtime at ${runtime.url} refused the request (401): check the token (--token-file or KITT_RUNTIME_TOKEN)\n`);
    expect(wrongToken.stderr).not.toContain("not-the-token");

    const noTokenFile = await lora("list", "--url", runtime.url, "--token-file", join(dir, "absent"));
    expect(noTokenFile.code).toBe(EXIT_CODES.USAGE);
    expect(noTokenFile.stderr).toMatch(/^kitt: error: --token-file .*absent: no such file/);

    const port = await freePort();
    const down = await lora("list", "--url", `http://127.0.0.1:${port}`);
    expect(down.code).toBe(EXIT_CODES.ENGINE_REQUEST_FAILED);
    expect(down.stderr).toMatch(new RegExp(`^kitt: error: cannot reach kitt runtime at http://127\\.0\\.0\\.1:${port}/v1/lora: .*ECONNREFUSED`));

    const noUrl = await lora("list");
    expect(noUrl.code).toBe(EXIT_CODES.USAGE);
    expect(noUrl.stderr).toMatch(/required option '--url <url>' not specified/);
    for (const result of [refused, badName, noToken, noTokenFile, down]) expect(result.stderr.trim().split("\n")).toHaveLength(1);
  }, 90_000);

  it("gives up after --timeout on a runtime that never answers", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const result = await lora("load", "sql", adapter, "--url", `http://127.0.0.1:${port}`, "--timeout", "1");
      expect(result.code).toBe(EXIT_CODES.ENGINE_REQUEST_FAILED);
      expect(result.stderr).toBe(`kitt: error: kitt runtime at http://127.0.0.1:${port}/v1/lora/load gave no answer within 1 s\n`);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
