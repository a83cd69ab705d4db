/**
 * The OpenAI-compatible routes every emulated engine serves (`/v1/completions`,
 * `/v1/chat/completions`, `/v1/models`). Engines differ in small ways — extra choice fields,
 * a role-only first chat chunk or the role in every delta, the finish reason on the last token
 * or in a chunk of its own — which each engine describes with a `flavor`.
 */
import { idPieceJsons, idPieces } from "./engine-kit.mjs";
import { HttpError, readJson, sendJson, startSse, unixSeconds, writeSse } from "./http-util.mjs";
import { completionLogprobs } from "./logprobs.mjs";
import { countChatTokens, countTokens, planAnswer } from "./text-model.mjs";

/** Reads and checks the sampling fields shared by both routes; failures are 400s with the engine's wording. */
function samplingParams(body, { promptTokens, maxModelLen, defaultMaxTokens }) {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? defaultMaxTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new HttpError(400, `max_tokens must be at least 1, got ${JSON.stringify(maxTokens)}.`);
  }
  if (body.temperature !== undefined && (typeof body.temperature !== "number" || body.temperature < 0)) {
    throw new HttpError(400, `temperature must be non-negative, got ${JSON.stringify(body.temperature)}.`);
  }
  if (promptTokens + maxTokens > maxModelLen) {
    throw new HttpError(
      400,
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens ` +
        `(${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
    );
  }
  const stop = typeof body.stop === "string" ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s) => typeof s === "string") : [];
  return {
    maxTokens,
    stop,
    ignoreEos: body.ignore_eos === true || body.ban_eos_token === true,
    seed: Number.isInteger(body.seed) ? body.seed : undefined,
    includeUsage: body.stream_options?.include_usage === true,
  };
}

function usageOf(promptTokens, completionTokens, flavor) {
  return { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens, ...flavor.usageExtras };
}

function checkModel(ctx, flavor, model) {
  if (flavor.strictModel && model !== undefined && model !== ctx.model && !ctx.loras?.has(model)) {
    throw new HttpError(404, `The model \`${model}\` does not exist.`, "NotFoundError");
  }
}

export function openAIRoutes(ctx, flavor) {
  return {
    "POST /v1/completions": (req, res) => completions(ctx, flavor, req, res),
    "POST /v1/chat/completions": (req, res) => chatCompletions(ctx, flavor, req, res),
    "GET /v1/models": (req, res) => sendJson(res, 200, flavor.modelList(ctx)),
  };
}

/**
 * A completions request's prompts: a string, a list of strings, a list of token ids or a list of
 * token-id lists, as vLLM and SGLang take them. Each is `{text, pieces, pieceJsons, count}`; a
 * prompt sent as ids keeps exactly its tokens (`pieces`, and their JSON), a text prompt is split
 * by the emulated tokenizer.
 */
function promptsOf(value) {
  const isIds = (list) => Array.isArray(list) && list.length > 0 && list.every((id) => Number.isInteger(id));
  const fromText = (text) => ({ text, pieces: undefined, pieceJsons: undefined, count: countTokens(text) });
  const fromIds = (ids) => {
    const pieces = idPieces(ids);
    if (pieces === undefined) throw new HttpError(400, `Token id ${Math.max(...ids)} is out of vocabulary`);
    return { text: pieces.join(""), pieces, pieceJsons: idPieceJsons(ids), count: ids.length };
  };
  if (typeof value === "string") return [fromText(value)];
  if (isIds(value)) return [fromIds(value)];
  if (Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === "string")) return value.map(fromText);
  if (Array.isArray(value) && value.length > 0 && value.every(isIds)) return value.map(fromIds);
  throw new HttpError(400, "prompt must be a string, a list of strings, a list of token ids or a list of token id lists");
}

async function completions(ctx, flavor, req, res) {
  const body = await readJson(req);
  checkModel(ctx, flavor, body.model);
  const prompts = promptsOf(body.prompt);
  // Several prompts are a batch: one choice per prompt, usage summed.
  if (prompts.length > 1) {
    if (body.stream === true) throw new HttpError(400, "the emulator answers batched prompts only without streaming");
    return batchCompletions(ctx, flavor, body, prompts, res);
  }
  const [{ text: prompt, pieces, pieceJsons, count: promptTokens }] = prompts;
  const params = samplingParams(body, { promptTokens, maxModelLen: ctx.settings.maxModelLen, defaultMaxTokens: 16 });
  const plan = planAnswer({ prompt, ...params, eosAfter: ctx.settings.eosAfter });
  const head = { id: flavor.completionId(), created: unixSeconds(), model: body.model ?? ctx.model };
  const choiceOf = (text, finishReason) => flavor.completionChoice(text, finishReason, plan.matchedStop);

  if (body.stream !== true) {
    const wantsLogprobs = body.logprobs !== undefined && body.logprobs !== null && body.logprobs !== false;
    const echo = body.echo === true;
    const logprobs = wantsLogprobs
      ? completionLogprobs({ prompt, promptTokens: pieces, promptTokenJsons: pieceJsons, generated: plan.pieces.map((piece) => piece.text), echo, n: body.logprobs, maxLogprobs: flavor.maxLogprobs ?? 20 })
      : null;
    const record = await ctx.scheduler.generate({ plan, promptTokens, maxTokens: params.maxTokens, res, emit: () => {} });
    if (!record) return;
    const choice = choiceOf(echo ? prompt + plan.text : plan.text, plan.finishReason);
    sendJson(res, 200, {
      ...flavor.wrap(head, "text_completion"),
      choices: [logprobs ? { ...choice, logprobs } : choice],
      usage: usageOf(promptTokens, record.completionTokens, flavor),
    });
    return;
  }
  startSse(res);
  const chunk = (choices, extra) => ({ ...flavor.wrap(head, "text_completion"), choices, ...extra });
  const usageNull = flavor.completionUsageNull ? { usage: null } : {};
  const record = await ctx.scheduler.generate({
    plan,
    promptTokens,
    maxTokens: params.maxTokens,
    res,
    emit: (piece, _i, last) => {
      const finish = last && !flavor.finishSeparately ? plan.finishReason : null;
      if (piece.text || !flavor.finishSeparately) writeSse(res, chunk([choiceOf(piece.text, finish)], usageNull));
      if (last && flavor.finishSeparately) writeSse(res, chunk([choiceOf("", plan.finishReason)], usageNull));
    },
  });
  if (!record) return;
  if (params.includeUsage) writeSse(res, chunk([], { usage: usageOf(promptTokens, record.completionTokens, flavor) }));
  writeSse(res, "[DONE]");
  res.end();
}

/** One answer per prompt, generated side by side as the engine would batch them. */
async function batchCompletions(ctx, flavor, body, prompts, res) {
  const answers = prompts.map(({ text: prompt, pieces, pieceJsons, count: promptTokens }) => {
    const params = samplingParams(body, { promptTokens, maxModelLen: ctx.settings.maxModelLen, defaultMaxTokens: 16 });
    const plan = planAnswer({ prompt, ...params, eosAfter: ctx.settings.eosAfter });
    const logprobs = body.logprobs === undefined || body.logprobs === null || body.logprobs === false
      ? null
      : completionLogprobs({ prompt, promptTokens: pieces, promptTokenJsons: pieceJsons, generated: plan.pieces.map((piece) => piece.text), echo: body.echo === true, n: body.logprobs, maxLogprobs: flavor.maxLogprobs ?? 20 });
    return { prompt, promptTokens, params, plan, logprobs };
  });
  const records = await Promise.all(answers.map((a) => ctx.scheduler.generate({ plan: a.plan, promptTokens: a.promptTokens, maxTokens: a.params.maxTokens, res, emit: () => {} })));
  if (records.some((record) => !record)) return;
  const choices = answers.map((a, index) => {
    const choice = { ...flavor.completionChoice(body.echo === true ? a.prompt + a.plan.text : a.plan.text, a.plan.finishReason, a.plan.matchedStop), index };
    return a.logprobs ? { ...choice, logprobs: a.logprobs } : choice;
  });
  const promptTokens = answers.reduce((sum, a) => sum + a.promptTokens, 0);
  const completionTokens = records.reduce((sum, record) => sum + record.completionTokens, 0);
  const head = { id: flavor.completionId(), created: unixSeconds(), model: body.model ?? ctx.model };
  sendJson(res, 200, { ...flavor.wrap(head, "text_completion"), choices, usage: usageOf(promptTokens, completionTokens, flavor) });
}

async function chatCompletions(ctx, flavor, req, res) {
  const body = await readJson(req);
  checkModel(ctx, flavor, body.model);
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new HttpError(400, "messages must be a non-empty list");
  const promptTokens = countChatTokens(body.messages);
  const params = samplingParams(body, {
    promptTokens,
    maxModelLen: ctx.settings.maxModelLen,
    defaultMaxTokens: Math.max(1, ctx.settings.maxModelLen - promptTokens),
  });
  const prompt = body.messages.map((m) => String(m.content ?? "")).join("\n");
  const plan = planAnswer({ prompt, ...params, eosAfter: ctx.settings.eosAfter });
  const head = { id: flavor.chatId(), created: unixSeconds(), model: body.model ?? ctx.model };

  if (body.stream !== true) {
    const record = await ctx.scheduler.generate({ plan, promptTokens, maxTokens: params.maxTokens, res, emit: () => {} });
    if (!record) return;
    sendJson(res, 200, {
      ...flavor.wrap(head, "chat.completion"),
      choices: [{ index: 0, message: { role: "assistant", content: plan.text }, logprobs: null, finish_reason: plan.finishReason, ...flavor.choiceExtras(plan.matchedStop) }],
      usage: usageOf(promptTokens, record.completionTokens, flavor),
    });
    return;
  }
  startSse(res);
  const usageNull = flavor.chatUsageNull ? { usage: null } : {};
  const chunk = (delta, finishReason) => ({
    ...flavor.wrap(head, "chat.completion.chunk"),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason, ...(finishReason ? flavor.choiceExtras(plan.matchedStop) : {}) }],
    ...usageNull,
  });
  const role = flavor.roleInDeltas ? { role: "assistant" } : {};
  const record = await ctx.scheduler.generate({
    plan,
    promptTokens,
    maxTokens: params.maxTokens,
    res,
    emit: (piece, i, last) => {
      // The role-only chunk goes out with the first token, as vLLM sends it on the first engine output.
      if (i === 0 && flavor.roleChunk) writeSse(res, chunk({ role: "assistant", content: "" }, null));
      const finish = last && !flavor.finishSeparately ? plan.finishReason : null;
      if (piece.text || !flavor.finishSeparately) writeSse(res, chunk({ ...role, content: piece.text }, finish));
      if (last && flavor.finishSeparately) writeSse(res, chunk({}, plan.finishReason));
    },
  });
  if (!record) return;
  if (params.includeUsage) {
    writeSse(res, { ...flavor.wrap(head, "chat.completion.chunk"), choices: [], usage: usageOf(promptTokens, record.completionTokens, flavor) });
  }
  writeSse(res, "[DONE]");
  res.end();
}
