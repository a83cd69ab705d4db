/**
 * Starts emulated engines inside the current process, for tests. Each behaves like the real
 * server over HTTP: startup phases, routes, stream formats, metrics, errors.
 */
import net from "node:net";
import { createEngineServer } from "./core/engine-server.mjs";
import { resolveSettings } from "./core/options.mjs";
import { ollama } from "./engines/ollama.mjs";
import { sglang } from "./engines/sglang.mjs";
import { tabbyapi } from "./engines/tabbyapi.mjs";
import { tgi } from "./engines/tgi.mjs";
import { vllm } from "./engines/vllm.mjs";

/** Emulated engines by kitt engine name (ExLlamaV2 is served by TabbyAPI). */
export const emulatedEngines = { vllm, sglang, tgi, ollama, exllamav2: tabbyapi };

/** A port nothing listens on right now (the emulator may keep it closed while "loading"). */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export async function startEmulator(name, options = {}) {
  const engine = emulatedEngines[name];
  if (!engine) throw new Error(`no emulator for '${name}'; have: ${Object.keys(emulatedEngines).join(", ")}`);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const settings = resolveSettings({ ...options, host, port });
  const model = options.model ?? "emulated-model";
  const info = {
    modelPath: options.modelPath ?? `/models/${model}`,
    servedName: model,
    host,
    port,
    pid: process.pid,
    enableMetrics: options.enableMetrics ?? true,
    disableAuth: options.disableAuth ?? true,
    enableLora: options.enableLora ?? false,
    allowRuntimeLoraUpdating: options.allowRuntimeLoraUpdating ?? false,
  };
  const logs = [];
  const log = (line) => {
    logs.push(line);
    options.onLog?.(line);
  };
  for (const line of engine.lines.banner(info)) log(line);
  const server = createEngineServer(engine, settings, info, log);
  return {
    name,
    url: `http://${host}:${port}`,
    port,
    model,
    logs,
    listening: server.listening,
    ready: server.ready,
    get apiKey() {
      return server.ctx.apiKey;
    },
    get finishedRequests() {
      return server.ctx.scheduler.finished.length;
    },
    close: () => server.close(),
    [Symbol.asyncDispose]: () => server.close(),
  };
}
