/**
 * Hugging Face TGI (`text-generation-launcher --model-id P --hostname H --port P`). The router
 * does not listen until every shard is ready. Native `/generate_stream` sends one event per
 * token and no `[DONE]`; validation errors are 422 `{"error", "error_type": "validation"}`.
 */
import { parseArgv, portFrom } from "../core/argv.mjs";
import { E2E_BUCKETS, LATENCY_BUCKETS, TOKEN_BUCKETS, histogramOver, timePerOutputToken, tokenId, tokenIds } from "../core/engine-kit.mjs";
import { HttpError, readJson, sendJson, sendText, startSse, writeSse } from "../core/http-util.mjs";
import { promptLogprobs, textTokens } from "../core/logprobs.mjs";
import { openAIRoutes } from "../core/openai-routes.mjs";
import { renderRust } from "../core/prometheus.mjs";
import { countTokens, planAnswer } from "../core/text-model.mjs";

const VERSION = "3.3.5";
const MAX_TOTAL_TOKENS = 4096;
const EOS_TEXT = "</s>";

const flavor = {
  strictModel: false,
  completionId: () => "",
  chatId: () => "",
  wrap: (head, object) => ({ object, id: head.id, created: head.created, model: head.model, system_fingerprint: `${VERSION}-native` }),
  completionChoice: (text, finishReason) => ({ index: 0, text, logprobs: null, finish_reason: finishReason }),
  choiceExtras: () => ({}),
  completionUsageNull: true,
  chatUsageNull: true,
  roleChunk: false,
  roleInDeltas: true,
  finishSeparately: false,
  usageExtras: {},
  modelList: (ctx) => ({ object: "list", data: [{ id: ctx.model, object: "model", created: Math.floor(ctx.createdAt), owned_by: ctx.model }] }),
};

function validationError(message) {
  return new HttpError(422, `Input validation error: ${message}`, "validation");
}

/** TGI's request checks, in its wording. */
function validatedRequest(body) {
  const inputs = body.inputs;
  if (typeof inputs !== "string" || inputs.length === 0) throw validationError("`inputs` cannot be empty");
  const p = body.parameters ?? {};
  const maxNewTokens = p.max_new_tokens ?? 100;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw validationError("`max_new_tokens` must be strictly positive");
  if (p.temperature !== undefined && p.temperature !== null && !(p.temperature > 0)) throw validationError("`temperature` must be strictly positive");
  if (p.top_p !== undefined && p.top_p !== null && !(p.top_p > 0 && p.top_p < 1)) throw validationError("`top_p` must be > 0.0 and < 1.0");
  if (p.top_k !== undefined && p.top_k !== null && !(p.top_k > 0)) throw validationError("`top_k` must be strictly positive");
  const stop = p.stop ?? [];
  if (stop.length > 4) throw validationError(`\`stop\` supports up to 4 stop sequences. Given: ${stop.length}`);
  const inputTokens = countTokens(inputs);
  if (inputTokens + maxNewTokens > MAX_TOTAL_TOKENS) {
    throw validationError(`\`inputs\` tokens + \`max_new_tokens\` must be <= ${MAX_TOTAL_TOKENS}. Given: ${inputTokens} \`inputs\` tokens and ${maxNewTokens} \`max_new_tokens\``);
  }
  return {
    inputs,
    inputTokens,
    maxNewTokens,
    stop,
    details: p.details === true,
    decoderInputDetails: p.decoder_input_details === true,
    seed: p.seed ?? null,
    doSample: p.do_sample === true,
  };
}

function finishReasonOf(plan) {
  if (plan.finishReason === "length") return "length";
  return plan.matchedStop ? "stop_sequence" : "eos_token";
}

async function generateNative(ctx, req, res, stream) {
  const r = validatedRequest(await readJson(req));
  if (stream && r.decoderInputDetails) throw validationError("`decoder_input_details` == true is not supported when streaming tokens");
  const plan = planAnswer({ prompt: r.inputs, maxTokens: r.maxNewTokens, stop: r.stop, eosAfter: ctx.settings.eosAfter, seed: r.seed ?? undefined });
  const details = (generated) => ({ finish_reason: finishReasonOf(plan), generated_tokens: generated, seed: r.doSample ? r.seed : null, input_length: r.inputTokens });
  const tokenOf = (piece) => {
    const text = piece.special ? EOS_TEXT : piece.text;
    return { id: piece.special ? 2 : tokenId(text), text, logprob: -0.25, special: piece.special === true };
  };
  if (stream) startSse(res);
  const record = await ctx.scheduler.generate({
    plan, promptTokens: r.inputTokens, maxTokens: r.maxNewTokens, res,
    emit: (piece, i, last) => {
      if (!stream) return;
      writeSse(res, { index: i + 1, token: tokenOf(piece), generated_text: last ? plan.text : null, details: last && r.details ? details(i + 1) : null }, "");
    },
  });
  if (!record) return;
  if (stream) {
    res.end();
    return;
  }
  // The prompt's tokens with their log-probabilities only with decoder_input_details (the first has none).
  const prefill = r.decoderInputDetails ? promptLogprobs(textTokens(r.inputs), 1).map(({ token, logprob }) => ({ id: tokenId(token), text: token, logprob })) : [];
  sendJson(res, 200, { generated_text: plan.text, ...(r.details ? { details: { ...details(record.completionTokens), prefill, tokens: plan.pieces.map(tokenOf) } } : {}) }, {
    "x-prompt-tokens": String(r.inputTokens),
    "x-generated-tokens": String(record.completionTokens),
  });
}

function metricsText(ctx) {
  const records = ctx.scheduler.finished;
  const one = (value) => [{ labels: {}, value }];
  const hist = (pick, buckets) => [{ labels: {}, histogram: histogramOver(records, pick, buckets) }];
  return renderRust([
    { name: "tgi_request_count", help: "Total number of requests", type: "counter", series: one(records.length + ctx.scheduler.running) },
    { name: "tgi_request_success", help: "Number of successful requests", type: "counter", series: one(records.length) },
    { name: "tgi_queue_size", help: "Current queue size", type: "gauge", series: one(ctx.scheduler.waiting) },
    { name: "tgi_batch_current_size", help: "Current batch size", type: "gauge", series: one(ctx.scheduler.running) },
    { name: "tgi_request_duration", help: "Total time spent processing the request (e2e latency)", type: "histogram", series: hist((r) => r.e2eSeconds, E2E_BUCKETS) },
    { name: "tgi_request_queue_duration", help: "Time spent in the queue per request", type: "histogram", series: hist((r) => r.queueSeconds, LATENCY_BUCKETS) },
    { name: "tgi_request_inference_duration", help: "Request inference duration", type: "histogram", series: hist((r) => r.prefillSeconds + r.decodeSeconds, E2E_BUCKETS) },
    { name: "tgi_request_mean_time_per_token_duration", help: "Mean time per token per request (inter-token latency)", type: "histogram", series: hist(timePerOutputToken, LATENCY_BUCKETS) },
    { name: "tgi_request_generated_tokens", help: "Generated tokens per request", type: "histogram", series: hist((r) => r.completionTokens, TOKEN_BUCKETS) },
    { name: "tgi_request_input_length", help: "Input token length per request", type: "histogram", series: hist((r) => r.promptTokens, TOKEN_BUCKETS) },
  ]);
}

function sendError(res, status, message, type) {
  sendJson(res, status, { error: message, error_type: type === "validation" ? "validation" : type === "NotFoundError" ? "not_found" : "generation" });
}

const stamp = () => new Date().toISOString().replace("Z", "123Z");

export const tgi = {
  name: "tgi",
  parseCommandLine(argv, env) {
    const { flags } = parseArgv(argv);
    const modelPath = flags.get("model-id") ?? env.MODEL_ID;
    if (!modelPath) throw new Error("the following required arguments were not provided: --model-id <MODEL_ID>");
    return {
      modelPath,
      servedName: modelPath,
      host: flags.get("hostname") ?? env.HOSTNAME_OVERRIDE ?? "0.0.0.0",
      port: portFrom(flags.get("port") ?? env.PORT, 3000),
    };
  },
  // The router starts listening only after every shard reported ready.
  startupPhases: (startupMs) => ({ refuseMs: startupMs, unavailableMs: 0 }),
  whileStarting: (_ctx, _req, res) => sendError(res, 503, "Model is loading", "unhealthy"),
  sendError,
  routes(ctx) {
    return {
      ...openAIRoutes(ctx, flavor),
      "GET /health": (_req, res) => sendText(res, 200, ""),
      "GET /info": (_req, res) =>
        sendJson(res, 200, { model_id: ctx.modelPath, model_sha: null, model_pipeline_tag: "text-generation", max_input_tokens: MAX_TOTAL_TOKENS - 1, max_total_tokens: MAX_TOTAL_TOKENS, router: "text-generation-router", version: VERSION, sha: null, docker_label: null }),
      "GET /metrics": (_req, res) => sendText(res, 200, metricsText(ctx), "text/plain; charset=utf-8"),
      "POST /generate": (req, res) => generateNative(ctx, req, res, false),
      "POST /generate_stream": (req, res) => generateNative(ctx, req, res, true),
      "POST /tokenize": async (req, res) => {
        const body = await readJson(req);
        if (typeof body.inputs !== "string") throw validationError("`inputs` cannot be empty");
        let offset = 0;
        const tokens = (body.inputs.match(/\s*\S+/g) ?? []).map((text, i) => {
          const token = { id: tokenIds(text)[0] ?? i, text, start: offset, stop: offset + text.length };
          offset += text.length;
          return token;
        });
        sendJson(res, 200, tokens);
      },
    };
  },
  lines: {
    banner: (info) => [
      `${stamp()}  INFO text_generation_launcher: Args { model_id: "${info.modelPath}", hostname: "${info.host}", port: ${info.port}, shard_uds_path: "/tmp/text-generation-server" }`,
      `${stamp()}  INFO download: text_generation_launcher: Starting check and download process for ${info.modelPath}`,
      `${stamp()}  INFO shard-manager: text_generation_launcher: Starting shard rank=0`,
    ],
    listening: () => [
      `${stamp()}  INFO shard-manager: text_generation_launcher: Shard ready in 1.0s rank=0`,
      `${stamp()}  INFO text_generation_launcher: Starting Webserver`,
      `${stamp()}  INFO text_generation_router_v3: backends/v3/src/lib.rs:125: Warming up model`,
    ],
    ready: () => [`${stamp()}  INFO text_generation_router::server: router/src/server.rs:2400: Connected`],
    shutdown: () => [`${stamp()}  INFO text_generation_launcher: Terminating webserver`, `${stamp()}  INFO text_generation_launcher: Terminating shards`, `${stamp()}  INFO text_generation_launcher: Shard terminated rank=0`],
    missingModel: (info) => [
      `${stamp()} ERROR download: text_generation_launcher: Download encountered an error: OSError: ${info.modelPath} is not a local folder and is not a valid model identifier`,
      "Error: DownloadError",
    ],
    bindFailed: (_info, error) => [`${stamp()} ERROR text_generation_launcher: Webserver Crashed`, `Error: WebserverFailed (${error.code ?? error.message})`],
    crash: () => [`${stamp()} ERROR shard-manager: text_generation_launcher: Shard complete standard error output: RuntimeError: CUDA error rank=0`, "Error: ShardFailed"],
  },
};
