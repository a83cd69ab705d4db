/**
 * SGLang (`python3 -m sglang.launch_server --model-path P --host H --port P --enable-metrics`).
 * The port is closed while weights load; once bound, `/health` answers 503 until the warm-up
 * request finished. Metrics exist only with `--enable-metrics`.
 */
import { parseArgv, portFrom } from "../core/argv.mjs";
import { E2E_BUCKETS, ITL_BUCKETS, LATENCY_BUCKETS, dateTime, detokenize, histogramOver, idPieces, sum, tokenId, tokenIds, uvicornAccess } from "../core/engine-kit.mjs";
import { HttpError, randomHex, readJson, sendJson, sendText, startSse, writeSse } from "../core/http-util.mjs";
import { LoraAdapters } from "../core/lora-adapters.mjs";
import { openAIRoutes } from "../core/openai-routes.mjs";
import { renderPython } from "../core/prometheus.mjs";
import { promptLogprobs, textTokens } from "../core/logprobs.mjs";
import { countTokens, planAnswer } from "../core/text-model.mjs";

const flavor = {
  strictModel: false,
  completionId: () => randomHex(32),
  chatId: () => randomHex(32),
  wrap: (head, object) => ({ id: head.id, object, created: head.created, model: head.model }),
  completionChoice: (text, finishReason, matchedStop) => ({
    index: 0, text, logprobs: null, finish_reason: finishReason, matched_stop: finishReason ? (matchedStop ?? null) : null,
  }),
  choiceExtras: (matchedStop) => ({ matched_stop: matchedStop ?? null }),
  completionUsageNull: true,
  chatUsageNull: true,
  roleChunk: false,
  roleInDeltas: true,
  finishSeparately: false,
  usageExtras: { prompt_tokens_details: null },
  modelList: (ctx) => ({
    object: "list",
    data: [
      { id: ctx.model, object: "model", created: Math.floor(ctx.createdAt), owned_by: "sglang", root: ctx.modelPath, max_model_len: ctx.settings.maxModelLen },
      ...ctx.loras.cards((name, path) => ({ id: name, object: "model", created: Math.floor(ctx.createdAt), owned_by: "sglang", root: path, parent: ctx.model, max_model_len: null })),
    ],
  }),
};

/**
 * `/load_lora_adapter {lora_name, lora_path, pinned}` and `/unload_lora_adapter {lora_name}`:
 * always routed; without `--enable-lora` they refuse. Every answer is
 * `{success, error_message, loaded_adapters}`, 400 when not a success.
 */
function loraRoutes(ctx) {
  const answer = (res, errorMessage) =>
    sendJson(res, errorMessage === null ? 200 : 400, { success: errorMessage === null, error_message: errorMessage, loaded_adapters: errorMessage === null ? ctx.loras.paths() : null });
  const notEnabled = "LoRA is not enabled. Please set `--enable-lora` to enable LoRA.";
  return {
    "POST /load_lora_adapter": async (req, res) => {
      const { lora_name: name, lora_path: path } = await readJson(req);
      if (!ctx.info.enableLora) return answer(res, notEnabled);
      if (ctx.loras.has(name)) return answer(res, `Failed to load LoRA adapter ${name} because it is already loaded`);
      ctx.loras.add(name, path);
      ctx.log(`${stamp()} Start load Lora adapter. Lora name=${name}, path=${path}`);
      return answer(res, null);
    },
    "POST /unload_lora_adapter": async (req, res) => {
      const { lora_name: name } = await readJson(req);
      if (!ctx.info.enableLora) return answer(res, notEnabled);
      if (!ctx.loras.has(name)) {
        return answer(res, `LoRA with name ${name} does not exist. Loaded LoRAs: dict_keys([${ctx.loras.names().map((loaded) => `'${loaded}'`).join(", ")}])`);
      }
      ctx.loras.remove(name);
      ctx.log(`${stamp()} Start unload Lora adapter. Lora name=${name}`);
      return answer(res, null);
    },
  };
}

function metricsText(ctx) {
  const records = ctx.scheduler.finished;
  const labels = { model_name: ctx.model };
  const one = (value) => [{ labels, value }];
  const hist = (pick, buckets) => [{ labels, histogram: histogramOver(records, pick, buckets) }];
  const families = [
    { name: "sglang:prompt_tokens", help: "Number of prefill tokens processed.", type: "counter", series: one(sum(records, (r) => r.promptTokens)) },
    { name: "sglang:generation_tokens", help: "Number of generation tokens processed.", type: "counter", series: one(sum(records, (r) => r.completionTokens)) },
    { name: "sglang:num_running_reqs", help: "The number of running requests", type: "gauge", series: one(ctx.scheduler.running) },
    { name: "sglang:num_used_tokens", help: "The number of used tokens", type: "gauge", series: one(0) },
    { name: "sglang:token_usage", help: "The token usage", type: "gauge", series: one(0) },
    { name: "sglang:gen_throughput", help: "The generate throughput (token/s)", type: "gauge", series: one(0) },
    { name: "sglang:num_queue_reqs", help: "The number of requests in the waiting queue", type: "gauge", series: one(ctx.scheduler.waiting) },
    { name: "sglang:cache_hit_rate", help: "The cache hit rate", type: "gauge", series: one(0) },
    { name: "sglang:time_to_first_token_seconds", help: "Histogram of time to first token in seconds.", type: "histogram", series: hist((r) => r.ttftSeconds, LATENCY_BUCKETS) },
    { name: "sglang:inter_token_latency_seconds", help: "Histogram of inter-token latency in seconds.", type: "histogram", series: hist((r) => r.interTokenSeconds, ITL_BUCKETS) },
    { name: "sglang:e2e_request_latency_seconds", help: "Histogram of End-to-end request latency in seconds", type: "histogram", series: hist((r) => r.e2eSeconds, E2E_BUCKETS) },
  ];
  // SGLang runs prometheus_client in multiprocess mode: no `_created` series, `_sum` first.
  return renderPython(families, { sumFirst: true });
}

function sendError(res, status, message, type) {
  sendJson(res, status, { object: "error", message, type, param: null, code: status });
}

/**
 * Native `/generate`: `{text | input_ids, sampling_params, stream}`; streamed events carry the
 * text so far. `text` may be a list, `input_ids` a list of id lists (a batch: one result per
 * prompt, in order, not streamed). With `return_logprob`, `meta_info` holds
 * `input_token_logprobs` from `logprob_start_len` (-1, the default: none) and
 * `output_token_logprobs`, each `[logprob, token_id, text]` (text only with
 * `return_text_in_logprobs`; the first prompt token's logprob null), and with `top_logprobs_num`
 * the alternatives per position in `input_top_logprobs` / `output_top_logprobs`. A prompt as long
 * as the context or longer is refused in SGLang's words.
 */
async function nativeGenerate(ctx, req, res) {
  const body = await readJson(req);
  if ((body.text === undefined) === (body.input_ids === undefined)) throw new HttpError(400, "Either text, input_ids or input_embeds should be provided.");
  const batch = body.text === undefined ? Array.isArray(body.input_ids?.[0]) : Array.isArray(body.text);
  const prompts = (batch ? (body.text ?? body.input_ids) : [body.text ?? body.input_ids]).map(nativePrompt);
  if (prompts.length === 0) throw new HttpError(400, "text is required");
  if (batch && body.stream === true) throw new HttpError(400, "the emulator streams single prompts only");
  if (!batch) {
    const result = await generateOne(ctx, body, prompts[0], res);
    if (result) sendJson(res, 200, result);
    return;
  }
  const results = await Promise.all(prompts.map((prompt) => generateOne(ctx, body, prompt, res)));
  if (results.every(Boolean)) sendJson(res, 200, results);
}

/** A native prompt as `{text, tokens}`: text split by the emulated tokenizer, or exactly the tokens of its ids. */
function nativePrompt(value) {
  if (typeof value === "string") return { text: value, tokens: textTokens(value), count: countTokens(value) };
  if (!Array.isArray(value) || value.length === 0 || !value.every((id) => Number.isInteger(id))) throw new HttpError(400, "input_ids must be token ids");
  const tokens = idPieces(value);
  if (tokens === undefined) throw new HttpError(400, `Token id ${Math.max(...value)} is out of vocabulary`);
  return { text: tokens.join(""), tokens, count: value.length };
}

/** One prompt; streams its events itself, or returns the result to send (undefined when the client left). */
async function generateOne(ctx, body, { text: prompt, tokens, count: promptTokens }, res) {
  const stream = body.stream === true;
  const params = body.sampling_params ?? {};
  const maxTokens = params.max_new_tokens ?? 128;
  if (promptTokens >= ctx.settings.maxModelLen) {
    throw new HttpError(400, `The input (${promptTokens} tokens) is longer than the model's context length (${ctx.settings.maxModelLen} tokens).`);
  }
  const stop = typeof params.stop === "string" ? [params.stop] : (params.stop ?? []);
  const plan = planAnswer({ prompt, maxTokens, stop, ignoreEos: params.ignore_eos === true, eosAfter: ctx.settings.eosAfter });
  const logprobs = body.return_logprob === true ? logprobMeta(body, tokens, plan) : {};
  const id = randomHex(32);
  const started = performance.now();
  let text = "";
  const meta = (completionTokens, done) => ({
    id,
    finish_reason: done ? (plan.finishReason === "length" ? { type: "length", length: completionTokens } : { type: "stop", matched: plan.matchedStop ?? 2 }) : null,
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    cached_tokens: 0,
    e2e_latency: (performance.now() - started) / 1000,
    ...(done ? logprobs : {}),
  });
  if (stream) startSse(res);
  const record = await ctx.scheduler.generate({
    plan, promptTokens, maxTokens, res,
    emit: (piece, i, last) => {
      text += piece.text;
      if (stream) writeSse(res, { text, output_ids: tokenIds(text), meta_info: meta(i + 1, last) });
    },
  });
  if (!record) return undefined;
  if (!stream) return { text, output_ids: tokenIds(text), meta_info: meta(record.completionTokens, true) };
  writeSse(res, "[DONE]");
  res.end();
  return undefined;
}

function logprobMeta(body, promptTokens, plan) {
  const startLen = body.logprob_start_len ?? -1;
  const topN = body.top_logprobs_num ?? 0;
  const withText = body.return_text_in_logprobs === true;
  const entry = (logprob, token) => [logprob, tokenId(token), withText ? token : null];
  const tokens = promptLogprobs(promptTokens, Math.max(1, topN));
  if (startLen >= tokens.length) {
    throw new HttpError(400, `logprob_start_len (${startLen}) is greater than or equal to the input length (${tokens.length})`);
  }
  const input = startLen < 0 ? [] : tokens.slice(startLen);
  // Generated tokens: the chosen one at −0.25, as the generation routes report it.
  const output = plan.pieces.map((piece) => entry(-0.25, piece.text));
  return {
    input_token_logprobs: input.map((token) => entry(token.logprob, token.token)),
    output_token_logprobs: output,
    ...(topN > 0
      ? {
          input_top_logprobs: input.map((token) => token.top && token.top.map(([alternative, logprob]) => entry(logprob, alternative))),
          output_top_logprobs: output.map((chosen) => [chosen]),
        }
      : {}),
  };
}

const stamp = () => `[${dateTime()}]`;

export const sglang = {
  name: "sglang",
  parseCommandLine(argv) {
    const { flags } = parseArgv(argv, ["enable-metrics", "trust-remote-code", "enable-lora"]);
    const modelPath = flags.get("model-path") ?? flags.get("model");
    if (!modelPath) throw new Error("the following arguments are required: --model-path");
    return {
      modelPath,
      servedName: flags.get("served-model-name") ?? modelPath,
      host: flags.get("host") ?? "127.0.0.1",
      port: portFrom(flags.get("port"), 30000),
      enableMetrics: flags.get("enable-metrics") === "true",
      enableLora: flags.get("enable-lora") === "true",
    };
  },
  // Weights load before the HTTP server starts; the warm-up runs after it is bound.
  startupPhases: (startupMs) => ({ refuseMs: Math.round(startupMs * 0.7), unavailableMs: startupMs - Math.round(startupMs * 0.7) }),
  whileStarting: (_ctx, _req, res) => {
    res.writeHead(503, { "content-length": 0 });
    res.end();
  },
  sendError,
  routes(ctx) {
    const healthy = (_req, res) => sendText(res, 200, "");
    ctx.loras = new LoraAdapters();
    return {
      ...openAIRoutes(ctx, flavor),
      ...loraRoutes(ctx),
      "GET /health": healthy,
      "GET /health_generate": healthy,
      "GET /get_model_info": (_req, res) =>
        sendJson(res, 200, { model_path: ctx.modelPath, tokenizer_path: ctx.modelPath, is_generation: true, preferred_sampling_params: null, weight_version: "default" }),
      "POST /generate": (req, res) => nativeGenerate(ctx, req, res),
      "POST /v1/tokenize": (req, res) => tokenizeRoute(ctx, req, res),
      "POST /tokenize": (req, res) => tokenizeRoute(ctx, req, res),
      "POST /v1/detokenize": (req, res) => detokenizeRoute(req, res),
      "POST /detokenize": (req, res) => detokenizeRoute(req, res),
      ...(ctx.info.enableMetrics
        ? { "GET /metrics": (_req, res) => sendText(res, 200, metricsText(ctx), "text/plain; version=0.0.4; charset=utf-8") }
        : {}),
    };
  },
  lines: {
    banner: (info) => [
      `${stamp()} server_args=ServerArgs(model_path='${info.modelPath}', tokenizer_path='${info.modelPath}', host='${info.host}', port=${info.port}, served_model_name='${info.servedName}', enable_metrics=${info.enableMetrics ? "True" : "False"})`,
      `${stamp().slice(0, -1)} TP0] Load weight begin. avail mem=78.50 GB`,
    ],
    listening: (info) => [
      `${stamp().slice(0, -1)} TP0] Load weight end. type=LlamaForCausalLM, dtype=torch.bfloat16, avail mem=70.12 GB, mem usage=8.38 GB.`,
      `${stamp()} INFO:     Started server process [${info.pid}]`,
      `${stamp()} INFO:     Waiting for application startup.`,
      `${stamp()} INFO:     Application startup complete.`,
      `${stamp()} INFO:     Uvicorn running on http://${info.host}:${info.port} (Press CTRL+C to quit)`,
    ],
    ready: () => [`${stamp()} The server is fired up and ready to roll!`],
    access: (req, res, url) => [`${stamp()} ${uvicornAccess(req, res, url)}`],
    shutdown: (info) => [`${stamp()} INFO:     Shutting down`, `${stamp()} INFO:     Finished server process [${info.pid}]`],
    missingModel: (info) => [
      `${stamp()} Scheduler hit an exception: Traceback (most recent call last):`,
      `OSError: ${info.modelPath} is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'`,
    ],
    bindFailed: (info, error) => [`${stamp()} ERROR:    [Errno 98] error while attempting to bind on address ('${info.host}', ${info.port}): ${error.code ?? error.message}`],
    crash: () => [`${stamp()} Scheduler hit an exception: RuntimeError: CUDA error: an illegal memory access was encountered`, `${stamp()} Received sigquit from a child process. It usually means the child failed.`],
  },
};

/** `/v1/tokenize`: one prompt or a list of them; lists answer with a list of token lists. */
async function tokenizeRoute(ctx, req, res) {
  const body = await readJson(req);
  const prompts = Array.isArray(body.prompt) ? body.prompt : typeof body.prompt === "string" ? [body.prompt] : undefined;
  if (prompts === undefined) throw new HttpError(400, "prompt is required");
  const tokens = prompts.map((prompt) => tokenIds(String(prompt)));
  const count = tokens.map((ids) => ids.length);
  const single = !Array.isArray(body.prompt);
  sendJson(res, 200, { tokens: single ? tokens[0] : tokens, count: single ? count[0] : count, max_model_len: ctx.settings.maxModelLen });
}

/** `/v1/detokenize`: token lists in, texts out. */
async function detokenizeRoute(req, res) {
  const body = await readJson(req);
  if (!Array.isArray(body.tokens)) throw new HttpError(400, "tokens is required");
  const nested = body.tokens.every((ids) => Array.isArray(ids));
  sendJson(res, 200, { text: nested ? body.tokens.map((ids) => detokenize(ids)) : detokenize(body.tokens) });
}
