/**
 * Devon, the model manager, run as a server: its documented REST API over an in-memory library.
 * With an API key every `/api/v1/*` route needs `Authorization: Bearer KEY` (401
 * `{"detail": "Invalid or missing API key"}`); `/health` never does. Errors are `{"detail": "..."}`
 * with 400, 401, 404 or 422; like FastAPI, a route asked for with a trailing slash is redirected
 * (307) to the URL without it. Downloads complete at once and record the model as local under
 * `<storage>/<source>/<model_id>`. Every request is recorded (method, path, headers) for tests.
 */
import http from "node:http";
import { freePort } from "./index.mjs";
import { sendJson } from "./core/http-util.mjs";

const SOURCES = ["huggingface"];

/** The Hub as this Devon sees it. */
export const DEFAULT_REMOTE_MODELS = [
  remote("Qwen/Qwen2.5-0.5B-Instruct-GGUF", { format: ["gguf"], params: 0.5e9, quantization: "Q4_K_M", files: { "qwen2.5-0.5b-instruct-q4_k_m.gguf": 491_400_032, "qwen2.5-0.5b-instruct-q8_0.gguf": 675_710_816 } }),
  remote("Qwen/Qwen2.5-7B-Instruct", { format: ["safetensors"], params: 7.6e9, files: { "config.json": 663, "model-00001-of-00004.safetensors": 3_945_441_440, "model-00002-of-00004.safetensors": 3_864_726_352 } }),
  remote("meta-llama/Llama-3.1-8B-Instruct", { format: ["safetensors"], params: 8.0e9, license: "llama3.1", files: { "config.json": 855, "model-00001-of-00004.safetensors": 4_976_698_672 } }),
];

function remote(modelId, { format, params, quantization = null, license = "apache-2.0", files }) {
  const [author, name] = modelId.split("/");
  return {
    source: "huggingface",
    model_id: modelId,
    model_name: name,
    author,
    total_size_bytes: Object.values(files).reduce((a, b) => a + b, 0),
    file_count: Object.keys(files).length,
    parameter_count: params,
    architecture: modelId.toLowerCase().includes("qwen") ? "qwen2" : "llama",
    format,
    quantization,
    tags: ["text-generation"],
    license,
    downloads: 1000,
    likes: 10,
    created_at: "2024-09-19T00:00:00Z",
    updated_at: "2024-09-20T00:00:00Z",
    web_url: `https://huggingface.co/${modelId}`,
    repo_url: `https://huggingface.co/${modelId}`,
    files,
  };
}

class DevonError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/**
 * @param {import("./devon.d.mts").DevonOptions} options
 * @returns {Promise<import("./devon.d.mts").RunningDevon>}
 */
export async function startDevon(options = {}) {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const storage = options.storagePath ?? "/data/models";
  const version = options.version ?? "1.4.0";
  const remotes = options.remoteModels ?? DEFAULT_REMOTE_MODELS;
  const local = new Map();
  const requests = [];

  const routes = [
    ["GET", /^\/health$/, () => ({ status: "ok", version })],
    ["GET", /^\/api\/v1\/search$/, (_m, url) => search(url.searchParams)],
    ["GET", /^\/api\/v1\/models$/, (_m, url) => listLocal(url.searchParams.get("source"))],
    ["GET", /^\/api\/v1\/models\/([^/]+)\/(.+)$/, ([, source, id]) => modelInfo(source, id)],
    ["DELETE", /^\/api\/v1\/models\/([^/]+)\/(.+)$/, ([, source, id]) => deleteModel(source, id)],
    ["POST", /^\/api\/v1\/downloads$/, (_m, _url, body) => download(body)],
    ["GET", /^\/api\/v1\/status$/, () => status()],
    ["POST", /^\/api\/v1\/clean$/, (_m, _url, body) => clean(body)],
    ["POST", /^\/api\/v1\/export$/, (_m, _url, body) => exportModels(body)],
  ];

  function search(params) {
    const source = params.get("source") ?? "huggingface";
    checkSource(source);
    const query = (params.get("query") ?? "").toLowerCase();
    const format = params.get("format");
    const limit = intParam(params, "limit", 20);
    const results = remotes
      .filter((model) => model.model_id.toLowerCase().includes(query))
      .filter((model) => !format || model.format.includes(format))
      .filter((model) => !params.get("license") || model.license === params.get("license"))
      .slice(0, limit)
      .map(({ files: _files, ...model }) => model);
    return { query: params.get("query") ?? "", source, count: results.length, results };
  }

  function listLocal(source) {
    const models = [...local.values()].filter((model) => !source || model.source === source);
    return { count: models.length, models };
  }

  function modelInfo(source, id) {
    checkSource(source);
    const found = remotes.find((model) => model.model_id === id);
    const localModel = local.get(`${source}/${id}`) ?? null;
    if (!found && !localModel) throw new DevonError(404, `Model not found: ${source}/${id}`);
    return { local: localModel, remote: found ? withoutFiles(found) : null };
  }

  function deleteModel(source, id) {
    if (!local.delete(`${source}/${id}`)) throw new DevonError(404, `Model not found locally: ${source}/${id}`);
    return { deleted: true, model_id: id, source };
  }

  function download(body) {
    const modelId = requireString(body, "model_id");
    const source = body.source ?? "huggingface";
    checkSource(source);
    const patterns = body.include_patterns ?? null;
    if (patterns !== null && (!Array.isArray(patterns) || patterns.some((p) => typeof p !== "string"))) throw new DevonError(422, "include_patterns must be a list of strings or null");
    const found = remotes.find((model) => model.model_id === modelId);
    if (!found) throw new DevonError(404, `Model not found on ${source}: ${modelId}`);
    const key = `${source}/${modelId}`;
    if (local.has(key) && body.force !== true) {
      const existing = local.get(key);
      return { model_id: modelId, source, path: existing.path, files: existing.files, size_bytes: existing.size_bytes };
    }
    const files = Object.keys(found.files).filter((name) => patterns === null || patterns.some((p) => globMatch(p, name)));
    const sizeBytes = files.reduce((sum, name) => sum + found.files[name], 0);
    const path = `${storage}/${source}/${modelId}`;
    const now = new Date().toISOString();
    local.set(key, { source, model_id: modelId, path, size_bytes: sizeBytes, downloaded_at: now, last_used: null, files, metadata: withoutFiles(found) });
    return { model_id: modelId, source, path, files, size_bytes: sizeBytes };
  }

  function status() {
    const sources = {};
    for (const model of local.values()) {
      const entry = (sources[model.source] ??= { count: 0, size_bytes: 0 });
      entry.count++;
      entry.size_bytes += model.size_bytes;
    }
    const models = [...local.values()];
    return { model_count: models.length, total_size_bytes: models.reduce((sum, m) => sum + m.size_bytes, 0), storage_path: storage, sources };
  }

  function clean(body) {
    const days = body.days ?? 30;
    if (typeof days !== "number" || days < 0) throw new DevonError(422, "days must be a non-negative number");
    const cutoff = Date.now() - days * 86_400_000;
    const chosen = [...local.values()].filter((model) => body.all === true || (body.unused === true && Date.parse(model.last_used ?? model.downloaded_at) < cutoff));
    if (body.dry_run !== true) for (const model of chosen) local.delete(`${model.source}/${model.model_id}`);
    return { removed: chosen.length, freed_bytes: chosen.reduce((sum, m) => sum + m.size_bytes, 0), dry_run: body.dry_run === true, models: chosen.map((m) => `${m.source}/${m.model_id}`) };
  }

  function exportModels(body) {
    const format = body.format ?? "kitt";
    if (format !== "kitt" && format !== "json") throw new DevonError(400, `Unknown export format: ${format}`);
    const models = [...local.values()];
    return { format, count: models.length, content: format === "kitt" ? models.map((m) => m.path) : models };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, error instanceof DevonError ? error.status : 500, { detail: error.message });
      else res.destroy();
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url, `http://${host}:${port}`);
    const body = await readBody(req);
    requests.push({ method: req.method, path: url.pathname + url.search, headers: { ...req.headers }, body: body.text });
    if (url.pathname.length > 1 && url.pathname.endsWith("/") && routes.some(([, pattern]) => pattern.test(url.pathname.slice(0, -1)))) {
      res.writeHead(307, { location: `http://${host}:${port}${url.pathname.slice(0, -1)}${url.search}`, "content-length": 0 });
      res.end();
      return;
    }
    const matches = routes.filter(([, pattern]) => pattern.test(url.pathname));
    if (matches.length === 0) throw new DevonError(404, "Not Found");
    const route = matches.find(([method]) => method === req.method);
    if (!route) throw new DevonError(405, "Method Not Allowed");
    if (url.pathname.startsWith("/api/v1/") && options.apiKey !== undefined) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (bearer !== options.apiKey) throw new DevonError(401, "Invalid or missing API key");
    }
    const match = route[1].exec(url.pathname).map((part) => (part === undefined ? part : decodeURIComponent(part)));
    sendJson(res, 200, route[2](match, url, req.method === "POST" ? parseJsonBody(body.text) : {}));
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  let closed;
  const close = () => (closed ??= new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    local,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return { text: Buffer.concat(chunks).toString("utf8") };
}

function parseJsonBody(text) {
  if (!text.trim()) throw new DevonError(422, "Field required: body");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DevonError(422, "JSON decode error");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new DevonError(422, "Input should be a valid dictionary");
  return body;
}

function checkSource(source) {
  if (!SOURCES.includes(source)) throw new DevonError(400, `Unknown source: ${source}. Available: ${SOURCES.join(", ")}`);
}

function requireString(body, name) {
  if (typeof body[name] !== "string" || body[name] === "") throw new DevonError(422, `${name}: Field required`);
  return body[name];
}

function intParam(params, name, fallback) {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new DevonError(422, `${name}: Input should be a valid integer`);
  return value;
}

function withoutFiles({ files: _files, ...model }) {
  return model;
}

/** fnmatch-style `*` and `?`, as Devon's include patterns. */
function globMatch(pattern, name) {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".")}$`);
  return regex.test(name);
}
