/**
 * vLLM's OpenAI-compatible server (`vllm serve MODEL --host H --port P`). The port is not bound
 * until the model is loaded; `/health` then answers 200 with an empty body.
 */
import { parseArgv, portFrom } from "../core/argv.mjs";
import {
  E2E_BUCKETS, ITL_BUCKETS, LATENCY_BUCKETS, TOKEN_BUCKETS, histogramOver, monthDayTime, sum, timePerOutputToken, tokenIds, detokenize, uvicornAccess,
} from "../core/engine-kit.mjs";
import { HttpError, randomHex, readJson, sendJson, sendText } from "../core/http-util.mjs";
import { isPeftFolder, LoraAdapters } from "../core/lora-adapters.mjs";
import { openAIRoutes } from "../core/openai-routes.mjs";
import { renderPython } from "../core/prometheus.mjs";

const VERSION = "0.11.0";

const flavor = {
  strictModel: true,
  completionId: () => `cmpl-${randomHex(32)}`,
  chatId: () => `chatcmpl-${randomHex(32)}`,
  wrap: (head, object) => ({ id: head.id, object, created: head.created, model: head.model }),
  completionChoice: (text, finishReason, matchedStop) => ({
    index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: finishReason ? (matchedStop ?? null) : null,
  }),
  choiceExtras: (matchedStop) => ({ stop_reason: matchedStop ?? null }),
  completionUsageNull: true,
  chatUsageNull: false,
  roleChunk: true,
  roleInDeltas: false,
  finishSeparately: false,
  usageExtras: {},
  modelList: (ctx) => ({
    object: "list",
    data: [
      {
        id: ctx.model, object: "model", created: Math.floor(ctx.createdAt), owned_by: "vllm", root: ctx.modelPath, parent: null,
        max_model_len: ctx.settings.maxModelLen, permission: [],
      },
      ...ctx.loras.cards((name, path) => ({
        id: name, object: "model", created: Math.floor(ctx.createdAt), owned_by: "vllm", root: path, parent: ctx.model, max_model_len: null, permission: [],
      })),
    ],
  }),
};

/**
 * `/v1/load_lora_adapter` and `/v1/unload_lora_adapter` exist only with
 * `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`; without it FastAPI answers them `404 {"detail": "Not Found"}`.
 * Loading needs `--enable-lora` too. Success is plain text; refusals are vLLM's error bodies.
 */
function loraRoutes(ctx) {
  if (!ctx.info.allowRuntimeLoraUpdating) {
    const missing = (_req, res) => sendJson(res, 404, { detail: "Not Found" });
    return { "POST /v1/load_lora_adapter": missing, "POST /v1/unload_lora_adapter": missing };
  }
  const success = (res, text) => {
    // FastAPI's `Response(content=...)`: no content type.
    res.writeHead(200, { "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  return {
    "POST /v1/load_lora_adapter": async (req, res) => {
      const { lora_name: name, lora_path: path, load_inplace: inplace } = await readJson(req);
      if (!name || !path) throw new HttpError(400, "Both 'lora_name' and 'lora_path' must be provided.", "InvalidUserInput");
      if (ctx.loras.has(name) && inplace !== true) {
        throw new HttpError(400, `The lora adapter '${name}' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.`, "InvalidUserInput");
      }
      if (!ctx.info.enableLora) throw new HttpError(400, "LoRA is not enabled. Use --enable-lora to enable LoRA.", "BadRequestError");
      if (!isPeftFolder(path)) throw new HttpError(404, `Loading lora ${name} failed: No adapter found for ${path}`, "NotFoundError");
      ctx.loras.add(name, path);
      ctx.log(`${prefix(ctx.info)} INFO ${monthDayTime()} [serving_models.py:196] Loaded new LoRA adapter: name '${name}', path '${path}'`);
      success(res, `Success: LoRA adapter '${name}' added successfully.`);
    },
    "POST /v1/unload_lora_adapter": async (req, res) => {
      const { lora_name: name } = await readJson(req);
      if (!name) throw new HttpError(400, "'lora_name' needs to be provided to unload a LoRA adapter.", "InvalidUserInput");
      if (!ctx.loras.has(name)) throw new HttpError(404, `The lora adapter '${name}' cannot be found.`, "NotFoundError");
      ctx.loras.remove(name);
      ctx.log(`${prefix(ctx.info)} INFO ${monthDayTime()} [serving_models.py:217] Removed LoRA adapter: name '${name}'`);
      success(res, `Success: LoRA adapter '${name}' removed successfully.`);
    },
  };
}

function metricsText(ctx) {
  const records = ctx.scheduler.finished;
  const labels = { engine: "0", model_name: ctx.model };
  const one = (value) => [{ labels, value }];
  const hist = (pick, buckets) => [{ labels, histogram: histogramOver(records, pick, buckets) }];
  const finished = (reason) => records.filter((r) => r.finishReason === reason).length;
  return renderPython(
    [
      { name: "vllm:num_requests_running", help: "Number of requests in model execution batches.", type: "gauge", series: one(ctx.scheduler.running) },
      { name: "vllm:num_requests_waiting", help: "Number of requests waiting to be processed.", type: "gauge", series: one(ctx.scheduler.waiting) },
      { name: "vllm:kv_cache_usage_perc", help: "KV-cache usage. 1 means 100 percent usage.", type: "gauge", series: one(Math.min(1, ctx.scheduler.running * 0.01)) },
      { name: "vllm:prefix_cache_queries", help: "Prefix cache queries, in terms of number of queried tokens.", type: "counter", series: one(sum(records, (r) => r.promptTokens)) },
      { name: "vllm:prefix_cache_hits", help: "Prefix cache hits, in terms of number of cached tokens.", type: "counter", series: one(0) },
      { name: "vllm:num_preemptions", help: "Cumulative number of preemption from the engine.", type: "counter", series: one(0) },
      { name: "vllm:prompt_tokens", help: "Number of prefill tokens processed.", type: "counter", series: one(sum(records, (r) => r.promptTokens)) },
      { name: "vllm:generation_tokens", help: "Number of generation tokens processed.", type: "counter", series: one(sum(records, (r) => r.completionTokens)) },
      {
        name: "vllm:request_success", help: "Count of successfully processed requests.", type: "counter",
        series: ["stop", "length", "abort"].map((reason) => ({ labels: { ...labels, finished_reason: reason }, value: finished(reason) })),
      },
      { name: "vllm:request_prompt_tokens", help: "Number of prefill tokens processed.", type: "histogram", series: hist((r) => r.promptTokens, TOKEN_BUCKETS) },
      { name: "vllm:request_generation_tokens", help: "Number of generation tokens processed.", type: "histogram", series: hist((r) => r.completionTokens, TOKEN_BUCKETS) },
      { name: "vllm:request_params_max_tokens", help: "Histogram of the max_tokens request parameter.", type: "histogram", series: hist((r) => r.maxTokens, TOKEN_BUCKETS) },
      { name: "vllm:time_to_first_token_seconds", help: "Histogram of time to first token in seconds.", type: "histogram", series: hist((r) => r.ttftSeconds, LATENCY_BUCKETS) },
      { name: "vllm:inter_token_latency_seconds", help: "Histogram of inter-token latency in seconds.", type: "histogram", series: hist((r) => r.interTokenSeconds, ITL_BUCKETS) },
      { name: "vllm:request_time_per_output_token_seconds", help: "Histogram of time_per_output_token_seconds per request.", type: "histogram", series: hist(timePerOutputToken, ITL_BUCKETS) },
      { name: "vllm:e2e_request_latency_seconds", help: "Histogram of e2e request latency in seconds.", type: "histogram", series: hist((r) => r.e2eSeconds, E2E_BUCKETS) },
      { name: "vllm:request_queue_time_seconds", help: "Histogram of time spent in WAITING phase for request.", type: "histogram", series: hist((r) => r.queueSeconds, E2E_BUCKETS) },
      { name: "vllm:request_inference_time_seconds", help: "Histogram of time spent in RUNNING phase for request.", type: "histogram", series: hist((r) => r.prefillSeconds + r.decodeSeconds, E2E_BUCKETS) },
      { name: "vllm:request_prefill_time_seconds", help: "Histogram of time spent in PREFILL phase for request.", type: "histogram", series: hist((r) => r.prefillSeconds, E2E_BUCKETS) },
      { name: "vllm:request_decode_time_seconds", help: "Histogram of time spent in DECODE phase for request.", type: "histogram", series: hist((r) => r.decodeSeconds, E2E_BUCKETS) },
    ],
    { createdAt: ctx.createdAt },
  );
}

function sendError(res, status, message, type) {
  sendJson(res, status, { error: { message, type, param: null, code: status } });
}

const prefix = (info) => `(APIServer pid=${info.pid})`;

export const vllm = {
  name: "vllm",
  parseCommandLine(argv, env = {}) {
    const { flags, positionals } = parseArgv(argv, ["enable-lora"]);
    const rest = positionals[0] === "serve" ? positionals.slice(1) : positionals;
    const modelPath = rest[0] ?? flags.get("model");
    if (!modelPath) throw new Error("the following arguments are required: model_tag (or --model)");
    return {
      modelPath,
      servedName: flags.get("served-model-name") ?? modelPath,
      host: flags.get("host") ?? "0.0.0.0",
      port: portFrom(flags.get("port"), 8000),
      enableLora: flags.get("enable-lora") === "true",
      allowRuntimeLoraUpdating: ["1", "true"].includes((env.VLLM_ALLOW_RUNTIME_LORA_UPDATING ?? "0").trim().toLowerCase()),
    };
  },
  // The API server binds only once the engine is up: refused the whole time it loads.
  startupPhases: (startupMs) => ({ refuseMs: startupMs, unavailableMs: 0 }),
  whileStarting: (_ctx, _req, res) => sendError(res, 503, "Service Unavailable", "ServiceUnavailableError"),
  sendError,
  routes(ctx) {
    ctx.loras = new LoraAdapters();
    return {
      ...openAIRoutes(ctx, flavor),
      ...loraRoutes(ctx),
      "GET /health": (_req, res) => sendText(res, 200, ""),
      "GET /version": (_req, res) => sendJson(res, 200, { version: VERSION }),
      "GET /metrics": (_req, res) => sendText(res, 200, metricsText(ctx), "text/plain; version=0.0.4; charset=utf-8"),
      "POST /tokenize": async (req, res) => {
        const body = await readJson(req);
        const text = typeof body.prompt === "string" ? body.prompt : Array.isArray(body.messages) ? body.messages.map((m) => m.content).join("\n") : undefined;
        if (text === undefined) throw new HttpError(400, "prompt or messages is required");
        const tokens = tokenIds(text);
        sendJson(res, 200, { count: tokens.length, max_model_len: ctx.settings.maxModelLen, tokens, token_strs: null });
      },
      "POST /detokenize": async (req, res) => {
        const body = await readJson(req);
        if (!Array.isArray(body.tokens)) throw new HttpError(400, "tokens is required");
        sendJson(res, 200, { prompt: detokenize(body.tokens) });
      },
    };
  },
  lines: {
    banner: (info) => [
      `INFO ${monthDayTime()} [__init__.py:216] Automatically detected platform cuda.`,
      `${prefix(info)} INFO ${monthDayTime()} [api_server.py:1839] vLLM API server version ${VERSION}`,
      `${prefix(info)} INFO ${monthDayTime()} [utils.py:233] non-default args: {'model_tag': '${info.modelPath}', 'host': '${info.host}', 'port': ${info.port}${info.enableLora ? ", 'enable_lora': True" : ""}}`,
      `(EngineCore_DP0 pid=${info.pid}) INFO ${monthDayTime()} [gpu_model_runner.py:2602] Starting to load model ${info.modelPath}...`,
    ],
    listening: (info) => [
      `(EngineCore_DP0 pid=${info.pid}) INFO ${monthDayTime()} [gpu_model_runner.py:2653] Model loading took 0.0000 GiB and 0.000 seconds`,
      ...(info.allowRuntimeLoraUpdating
        ? [`${prefix(info)} WARNING ${monthDayTime()} [api_server.py:1781] LoRA dynamic loading & unloading is enabled in the API server. This should ONLY be used for local development!`]
        : []),
      `${prefix(info)} INFO ${monthDayTime()} [api_server.py:1971] Starting vLLM API server 0 on http://${info.host}:${info.port}`,
      `${prefix(info)} INFO:     Started server process [${info.pid}]`,
      `${prefix(info)} INFO:     Waiting for application startup.`,
    ],
    ready: (info) => [
      `${prefix(info)} INFO:     Application startup complete.`,
      `${prefix(info)} INFO:     Uvicorn running on http://${info.host}:${info.port} (Press CTRL+C to quit)`,
    ],
    access: (req, res, url, info) => [`${prefix(info)} ${uvicornAccess(req, res, url)}`],
    shutdown: (info) => [
      `${prefix(info)} INFO:     Shutting down`,
      `${prefix(info)} INFO:     Waiting for application shutdown.`,
      `${prefix(info)} INFO:     Application shutdown complete.`,
      `${prefix(info)} INFO:     Finished server process [${info.pid}]`,
    ],
    missingModel: (info) => [
      `${prefix(info)} ERROR ${monthDayTime()} [api_server.py:1950] Invalid repository ID or local directory specified: '${info.modelPath}'.`,
      `ValueError: Invalid repository ID or local directory specified: '${info.modelPath}'.`,
    ],
    bindFailed: (info, error) => [`${prefix(info)} ERROR:    [Errno 98] error while attempting to bind on address ('${info.host}', ${info.port}): ${error.code ?? error.message}`],
    crash: (info) => [
      `(EngineCore_DP0 pid=${info.pid}) ERROR ${monthDayTime()} [core.py:710] EngineCore encountered a fatal error.`,
      `${prefix(info)} ERROR ${monthDayTime()} [async_llm.py:480] AsyncLLM output_handler failed.`,
      "vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue. See stack trace (above) for the root cause.",
    ],
  },
};
