/**
 * Ollama (`ollama serve`, listening on `OLLAMA_HOST`). `GET /` answers "Ollama is running".
 * A model must exist (`/api/create`, `/api/pull`, or the emulator's `models` setting) and is
 * loaded on its first request, whose `load_duration` shows it. `/api/generate` streams NDJSON
 * whose last line has `done: true` and durations in nanoseconds. There is no `/metrics`.
 */
import { parseArgv } from "../core/argv.mjs";
import { tokenIds } from "../core/engine-kit.mjs";
import { HttpError, readJson, sendJson, sendText, sleep, startNdjson, writeNdjson } from "../core/http-util.mjs";
import { openAIRoutes } from "../core/openai-routes.mjs";
import { countTokens, planAnswer } from "../core/text-model.mjs";

const VERSION = "0.12.11";
const MS_TO_NS = 1e6;

function modelKey(name) {
  return name.includes(":") ? name : `${name}:latest`;
}

function listenAddress(env) {
  const raw = (env.OLLAMA_HOST ?? "127.0.0.1:11434").replace(/^https?:\/\//, "");
  const [host, port] = raw.includes(":") ? [raw.slice(0, raw.lastIndexOf(":")), raw.slice(raw.lastIndexOf(":") + 1)] : [raw, "11434"];
  return { host: host || "127.0.0.1", port: Number(port) };
}

const flavor = {
  strictModel: false,
  completionId: () => `cmpl-${Math.floor(Math.random() * 1000)}`,
  chatId: () => `chatcmpl-${Math.floor(Math.random() * 1000)}`,
  wrap: (head, object) => ({ id: head.id, object, created: head.created, model: head.model, system_fingerprint: "fp_ollama" }),
  completionChoice: (text, finishReason) => ({ text, index: 0, finish_reason: finishReason }),
  choiceExtras: () => ({}),
  completionUsageNull: false,
  chatUsageNull: false,
  roleChunk: false,
  roleInDeltas: true,
  finishSeparately: true,
  usageExtras: {},
  modelList: (ctx) => ({ object: "list", data: [...ctx.ollama.models.keys()].map((id) => ({ id, object: "model", created: Math.floor(ctx.createdAt), owned_by: "library" })) }),
};

function sendError(res, status, message) {
  sendJson(res, status, { error: message });
}

function modelOrFail(ctx, name) {
  if (typeof name !== "string" || !name) throw new HttpError(400, "model is required");
  const key = modelKey(name);
  if (!ctx.ollama.models.has(key)) throw new HttpError(404, `model "${name}" not found, try pulling it first`);
  return key;
}

/** First use of a model loads it; returns the load time in ms (0 when already loaded). */
async function ensureLoaded(ctx, key) {
  if (ctx.ollama.loaded.has(key)) return 0;
  const started = performance.now();
  await sleep(ctx.settings.loadMs);
  ctx.ollama.loaded.add(key);
  return performance.now() - started;
}

async function generate(ctx, req, res) {
  const arrived = performance.now();
  const body = await readJson(req);
  const key = modelOrFail(ctx, body.model);
  const name = body.model;
  const loadMs = await ensureLoaded(ctx, key);
  const createdAt = () => new Date().toISOString().replace("Z", "123Z");
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  if (!prompt) {
    sendJson(res, 200, { model: name, created_at: createdAt(), response: "", done: true, done_reason: "load" });
    return;
  }
  const options = body.options ?? {};
  if (options.num_predict !== undefined && !Number.isInteger(options.num_predict)) {
    throw new HttpError(400, 'option "num_predict" must be of type integer');
  }
  const promptTokens = countTokens(prompt);
  // Ollama shifts its context and keeps going past any limit; the emulator stops at the context length.
  const room = Math.max(1, ctx.settings.maxModelLen - promptTokens);
  const maxTokens = options.num_predict === undefined || options.num_predict < 0 ? room : Math.min(options.num_predict, room);
  const stop = typeof options.stop === "string" ? [options.stop] : (options.stop ?? []);
  const plan = planAnswer({ prompt, maxTokens, stop, eosAfter: ctx.settings.eosAfter, seed: options.seed });
  const stream = body.stream !== false;
  if (stream) startNdjson(res);
  let firstAt;
  const record = await ctx.scheduler.generate({
    plan, promptTokens, maxTokens, res,
    emit: (piece) => {
      firstAt ??= performance.now();
      if (stream && piece.text) writeNdjson(res, { model: name, created_at: createdAt(), response: piece.text, done: false });
    },
  });
  if (!record) return;
  const end = performance.now();
  const promptMs = record.prefillSeconds * 1000;
  const final = {
    model: name,
    created_at: createdAt(),
    response: stream ? "" : plan.text,
    done: true,
    done_reason: plan.finishReason,
    context: tokenIds(prompt + plan.text),
    total_duration: Math.round((end - arrived) * MS_TO_NS),
    load_duration: Math.round(loadMs * MS_TO_NS),
    prompt_eval_count: promptTokens,
    prompt_eval_duration: Math.round(promptMs * MS_TO_NS),
    eval_count: record.completionTokens,
    eval_duration: Math.round((end - (firstAt ?? end)) * MS_TO_NS),
  };
  if (stream) {
    writeNdjson(res, final);
    res.end();
  } else {
    sendJson(res, 200, final);
  }
}

/** `/api/create` and `/api/pull` both end with `{"status":"success"}`; streamed unless `stream: false`. */
async function addModel(ctx, req, res, steps) {
  const body = await readJson(req);
  const name = body.model ?? body.name;
  if (typeof name !== "string" || !name) throw new HttpError(400, "model is required");
  ctx.ollama.models.set(modelKey(name), { modifiedAt: new Date().toISOString() });
  if (body.stream === false) {
    sendJson(res, 200, { status: "success" });
    return;
  }
  startNdjson(res);
  for (const status of [...steps, "success"]) writeNdjson(res, { status });
  res.end();
}

const ginStamp = () => new Date().toISOString().replace("T", " - ").replace(/\.\d+Z$/, "").replace(/-(\d\d)-(\d\d) -/, "/$1/$2 -");
const stamp = () => new Date().toISOString();

export const ollama = {
  name: "ollama",
  parseCommandLine(argv, env) {
    const { positionals } = parseArgv(argv);
    if (positionals[0] !== "serve") throw new Error(`unknown command "${positionals[0] ?? ""}" for "ollama"; this emulator only serves`);
    const { host, port } = listenAddress(env);
    return { modelPath: undefined, servedName: "ollama", host, port };
  },
  startupPhases: (startupMs) => ({ refuseMs: startupMs, unavailableMs: 0 }),
  whileStarting: (_ctx, _req, res) => sendError(res, 503, "server starting"),
  sendError: (res, status, message) => sendError(res, status, message),
  routes(ctx) {
    ctx.ollama = { models: new Map(ctx.settings.models.map((m) => [modelKey(m), { modifiedAt: new Date().toISOString() }])), loaded: new Set() };
    return {
      ...openAIRoutes(ctx, flavor),
      "GET /": (_req, res) => sendText(res, 200, "Ollama is running"),
      "HEAD /": (_req, res) => sendText(res, 200, ""),
      "GET /api/version": (_req, res) => sendJson(res, 200, { version: VERSION }),
      "GET /api/tags": (_req, res) =>
        sendJson(res, 200, {
          models: [...ctx.ollama.models].map(([name, model]) => ({
            name, model: name, modified_at: model.modifiedAt, size: 17_000_000, digest: "0".repeat(64),
            details: { parent_model: "", format: "gguf", family: "llama", families: ["llama"], parameter_size: "4M", quantization_level: "F32" },
          })),
        }),
      "GET /api/ps": (_req, res) =>
        sendJson(res, 200, { models: [...ctx.ollama.loaded].map((name) => ({ name, model: name, size: 17_000_000, digest: "0".repeat(64), expires_at: new Date(Date.now() + 300_000).toISOString(), size_vram: 0 })) }),
      "POST /api/generate": (req, res) => generate(ctx, req, res),
      "POST /api/create": (req, res) => addModel(ctx, req, res, ["parsing GGUF", "using existing layer sha256:" + "0".repeat(64), "writing manifest"]),
      "POST /api/pull": (req, res) => addModel(ctx, req, res, ["pulling manifest", "verifying sha256 digest", "writing manifest"]),
      "DELETE /api/delete": async (req, res) => {
        const key = modelOrFail(ctx, (await readJson(req)).model);
        ctx.ollama.models.delete(key);
        ctx.ollama.loaded.delete(key);
        sendText(res, 200, "");
      },
    };
  },
  lines: {
    banner: (info) => [`time=${stamp()} level=INFO source=routes.go:1475 msg="server config" env="map[OLLAMA_HOST:http://${info.host}:${info.port}]"`],
    listening: (info) => [`time=${stamp()} level=INFO source=routes.go:1528 msg="Listening on ${info.host}:${info.port} (version ${VERSION})"`],
    ready: () => [`time=${stamp()} level=INFO source=types.go:130 msg="inference compute" id=cpu library=cpu compute="" name=cpu description=cpu`],
    access: (req, res, url) => [`[GIN] ${ginStamp()} | ${res.statusCode} |    1.000ms |       ${req.socket.remoteAddress ?? "127.0.0.1"} | ${req.method.padEnd(8)}"${url.pathname}"`],
    shutdown: () => [],
    missingModel: () => [],
    bindFailed: (info) => [`Error: listen tcp ${info.host}:${info.port}: bind: address already in use`],
    crash: () => [`time=${stamp()} level=ERROR source=server.go:456 msg="llama runner terminated" error="signal: segmentation fault"`],
  },
};
