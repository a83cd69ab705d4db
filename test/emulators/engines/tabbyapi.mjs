/**
 * TabbyAPI (`python3 main.py --host H --port P --model-dir D --model-name N [--disable-auth true]`),
 * the server for ExLlamaV2/EXL2 models. Connections are refused while the startup model loads;
 * `/health` then answers `{"status":"healthy","issues":[]}`. Unless auth is disabled every
 * request needs `x-api-key` or `Authorization: Bearer`. There is no `/metrics`.
 */
import { join } from "node:path";
import { parseArgv, portFrom } from "../core/argv.mjs";
import { tokenIds, uvicornAccess } from "../core/engine-kit.mjs";
import { HttpError, randomHex, readJson, sendJson } from "../core/http-util.mjs";
import { openAIRoutes } from "../core/openai-routes.mjs";
import { countTokens } from "../core/text-model.mjs";

const flavor = {
  strictModel: false,
  completionId: () => `cmpl-${randomHex(32)}`,
  chatId: () => `chatcmpl-${randomHex(32)}`,
  wrap: (head, object) => ({ id: head.id, created: head.created, model: head.model, object }),
  completionChoice: (text, finishReason) => ({ index: 0, finish_reason: finishReason, text, logprobs: null }),
  choiceExtras: (matchedStop) => (matchedStop ? { stop_str: matchedStop } : {}),
  completionUsageNull: true,
  chatUsageNull: true,
  roleChunk: false,
  roleInDeltas: true,
  finishSeparately: true,
  usageExtras: {},
  modelList: (ctx) => ({ object: "list", data: [{ id: ctx.model, object: "model", created: Math.floor(ctx.createdAt), owned_by: "tabbyAPI" }] }),
};

function sendError(res, status, message) {
  sendJson(res, status, { detail: message });
}

function requireKey(ctx, req) {
  if (ctx.info.disableAuth) return;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const key = req.headers["x-api-key"] ?? bearer;
  if (key !== ctx.apiKey) throw new HttpError(401, "Invalid API key", "Unauthorized");
}

/** Wraps every route with TabbyAPI's key check. */
function authenticated(ctx, routes) {
  return Object.fromEntries(
    Object.entries(routes).map(([key, handler]) => [key, (req, res, url) => (requireKey(ctx, req), handler(req, res, url))]),
  );
}

export const tabbyapi = {
  name: "tabbyapi",
  parseCommandLine(argv) {
    const { flags } = parseArgv(argv);
    const modelDir = flags.get("model-dir") ?? "models";
    const modelName = flags.get("model-name");
    return {
      modelPath: modelName ? join(modelDir, modelName) : undefined,
      servedName: modelName ?? "none",
      host: flags.get("host") ?? "127.0.0.1",
      port: portFrom(flags.get("port"), 5000),
      disableAuth: /^true$/i.test(flags.get("disable-auth") ?? "false"),
    };
  },
  startupPhases: (startupMs) => ({ refuseMs: startupMs, unavailableMs: 0 }),
  whileStarting: (_ctx, _req, res) => sendError(res, 503, "Server is starting"),
  sendError: (res, status, message) => sendError(res, status, message),
  routes(ctx) {
    ctx.apiKey = ctx.settings.apiKey ?? randomHex(32);
    if (!ctx.info.disableAuth) ctx.log(`INFO:     Your API key is: ${ctx.apiKey}`);
    return {
      "GET /health": (_req, res) => sendJson(res, 200, { status: "healthy", issues: [] }),
      ...authenticated(ctx, {
        ...openAIRoutes(ctx, flavor),
        "GET /v1/model": (_req, res) =>
          sendJson(res, 200, { id: ctx.model, object: "model", created: Math.floor(ctx.createdAt), owned_by: "tabbyAPI", parameters: { max_seq_len: ctx.settings.maxModelLen } }),
        "POST /v1/token/encode": async (req, res) => {
          const body = await readJson(req);
          const text = typeof body.text === "string" ? body.text : undefined;
          if (text === undefined) throw new HttpError(422, "text is required", "validation");
          sendJson(res, 200, { tokens: tokenIds(text), length: countTokens(text) });
        },
      }),
    };
  },
  lines: {
    banner: (info) => [
      ...(info.disableAuth ? ["WARNING:  Disabling authentication makes your instance vulnerable. Set the `disable_auth` flag to False in config.yml if you want to share this instance with others."] : []),
      `INFO:     Loading model: ${info.modelPath ?? "(none)"}`,
    ],
    listening: (info) => [
      "INFO:     Model successfully loaded.",
      `INFO:     Developer documentation: http://${info.host}:${info.port}/redoc`,
      "INFO:     Starting OAI API",
      `INFO:     Completions: http://${info.host}:${info.port}/v1/completions`,
      `INFO:     Chat completions: http://${info.host}:${info.port}/v1/chat/completions`,
      `INFO:     Started server process [${info.pid}]`,
      "INFO:     Waiting for application startup.",
    ],
    ready: (info) => ["INFO:     Application startup complete.", `INFO:     Uvicorn running on http://${info.host}:${info.port} (Press CTRL+C to quit)`],
    access: (req, res, url) => [uvicornAccess(req, res, url)],
    shutdown: (info) => ["INFO:     Shutting down", `INFO:     Finished server process [${info.pid}]`],
    missingModel: (info) => [`ERROR:    FileNotFoundError: Model path ${info.modelPath} does not exist.`],
    bindFailed: (info, error) => [`ERROR:    [Errno 98] error while attempting to bind on address ('${info.host}', ${info.port}): ${error.code ?? error.message}`],
    crash: () => ["ERROR:    Exception in ASGI application", "RuntimeError: CUDA error: an illegal memory access was encountered"],
  },
};
