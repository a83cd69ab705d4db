/**
 * Log-likelihood requests exactly as lm-evaluation-harness's API models send them, on llama's
 * real SentencePiece tokenizer: the harness's `local-completions` (vLLM) and `sglang-generate`
 * (SGLang) bodies, rebuilt here from the harness's own rules — `_encode_pair` (trailing
 * whitespace moves onto the continuation; the context and the whole string are tokenized without
 * special tokens unless `add_bos_token`, the continuation being the whole's ids past the
 * context's), `(context + continuation)[-(max_length - 1):]`, and the score summed over
 * `token_logprobs[ctxlen:-1]` (vLLM) or `input_token_logprobs[ctxlen:]` (SGLang). The server
 * tokenizes with that tokenizer on vLLM's `/tokenize` and SGLang's `/v1/tokenize`, reports its
 * context on `/v1/models`, and answers log-probabilities made up from each id and position.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Tokenizer } from "@huggingface/tokenizers";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareEngine } from "../../../src/engines/launch.js";
import { requestCapacity } from "../../../src/engines/model-context.js";
import type { ManagedEngine } from "../../../src/engines/managed-engine.js";
import { loadHellaswagData } from "../../../src/quality/tasks/hellaswag/dataset.js";
import { loadMmluData } from "../../../src/quality/tasks/mmlu/dataset.js";
import { qualityEngine } from "../../../src/quality/engine/quality-engine.js";
import { createHellaswagTask } from "../../../src/quality/tasks/hellaswag/prompts.js";
import { createMmluTask } from "../../../src/quality/tasks/mmlu/prompts.js";
import type { MultipleChoiceItem } from "../../../src/quality/prompts/types.js";
import { llamaSpmTokenizerJson } from "../../datasets/llama-spm-tokenizer-json.js";
import { requireVocabFile } from "../../support/llama.js";
import { FIXTURES } from "../fixture-paths.js";

const vocabFile = await requireVocabFile();
const BOS = 1;

/** A made-up log-probability for the token `id` at `position`. */
const logprobAt = (id: number, position: number) => -(((id * 7 + position * 13) % 1000) / 100) - 0.01;

interface TokenizerServer {
  url: string;
  /** Bodies of the log-probability requests (not the tokenize ones), in order. */
  scored: Record<string, unknown>[];
  /** The context `/v1/models` reports. */
  maxModelLen: number;
  close(): Promise<void>;
}

async function startServer(tokenizer: Tokenizer): Promise<TokenizerServer> {
  const encode = (text: string, special: unknown) => tokenizer.encode(text, { add_special_tokens: special === true }).ids;
  const state = { url: "", scored: [] as Record<string, unknown>[], maxModelLen: 4096, close: async () => {} };
  const answer = (path: string, body: Record<string, unknown>): unknown => {
    if (path === "/tokenize") return { tokens: encode(String(body.prompt), body.add_special_tokens), max_model_len: state.maxModelLen };
    if (path === "/v1/tokenize") return { tokens: (body.prompt as string[]).map((text) => encode(text, body.add_special_tokens)) };
    state.scored.push(body);
    const prompts = body.prompt ?? body.input_ids;
    if (!Array.isArray(prompts) || !prompts.every((ids) => Array.isArray(ids) && ids.every(Number.isInteger))) {
      throw new Error("this server reads prompts as lists of token ids only");
    }
    if (path === "/v1/completions") {
      const choices = (body.prompt as number[][]).map((ids, index) => {
        const tokens = [...ids, 13];
        return {
          index,
          text: "",
          logprobs: {
            tokens: tokens.map((id) => tokenizer.id_to_token(id)),
            token_logprobs: tokens.map((id, i) => (i === 0 ? null : logprobAt(id, i))),
            top_logprobs: tokens.map((id, i) => (i === 0 ? null : { [String(tokenizer.id_to_token(id))]: logprobAt(id, i) })),
          },
        };
      });
      return { choices: choices.reverse() };
    }
    // SGLang's /generate
    return (body.input_ids as number[][]).map((ids) => ({
      text: "\n",
      meta_info: { input_token_logprobs: ids.map((id, i) => [i === 0 ? null : logprobAt(id, i), id, null]) },
    }));
  };
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      if (req.method === "GET") {
        const info = path === "/v1/models" ? { data: [{ id: "llama", max_model_len: state.maxModelLen }] } : path === "/health" ? {} : undefined;
        res.writeHead(info === undefined ? 404 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(info ?? { error: "not found" }));
        return;
      }
      try {
        const reply = answer(path, JSON.parse(text) as Record<string, unknown>);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(reply));
      } catch (error) {
        // A request this server cannot read (a text prompt, say) is refused, as the engine would.
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** The harness's `_encode_pair` and left cut for one (context, continuation) request. */
function harnessRequest(tokenizer: Tokenizer, context: string, continuation: string, addBos: boolean, maxLength: number) {
  const spaces = context.length - context.trimEnd().length;
  const [ctx, cont] = spaces > 0 ? [context.slice(0, -spaces), context.slice(-spaces) + continuation] : [context, continuation];
  const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: addBos }).ids;
  const whole = encode(ctx + cont);
  const contextEnc = encode(ctx);
  const continuationEnc = whole.slice(contextEnc.length);
  const ids = [...contextEnc, ...continuationEnc];
  const input = ids.slice(-maxLength);
  const ctxlen = contextEnc.length - Math.max(0, ids.length - maxLength);
  return { input, ctxlen, cut: ids.length > maxLength };
}

describe.skipIf(!vocabFile)("log-likelihood requests as lm-evaluation-harness's API models send them (llama's tokenizer)", () => {
  let tokenizer: Tokenizer;
  let server: TokenizerServer;
  let items: MultipleChoiceItem[];

  beforeAll(async () => {
    tokenizer = new Tokenizer(await llamaSpmTokenizerJson(vocabFile!), {});
    server = await startServer(tokenizer);
    const { data: mmlu } = await loadMmluData({ dataDir: join(FIXTURES, "mmlu"), source: "local" });
    const mmluTask = createMmluTask(mmlu, { shots: 1 });
    const { data: hellaswag } = await loadHellaswagData({ dataDir: join(FIXTURES, "hellaswag"), source: "local" });
    const hellaswagTask = createHellaswagTask(hellaswag, { shots: 1 });
    // MMLU's one-token letters, and HellaSwag's many-word endings after a context ending in a word.
    items = [...mmluTask.documents.slice(0, 2).map((doc) => mmluTask.multipleChoice!(doc)), ...hellaswagTask.documents.slice(0, 2).map((doc) => hellaswagTask.multipleChoice!(doc))];
  });
  afterAll(async () => {
    await server?.close();
  });

  async function engineFor(name: "vllm" | "sglang"): Promise<ManagedEngine> {
    const { engine } = await prepareEngine({ engine: name, url: server.url, model: "llama" });
    await engine.start();
    return engine;
  }

  describe.each([
    { addBos: false, maxModelLen: 4096, what: "no BOS, the default" },
    { addBos: true, maxModelLen: 4096, what: "add_bos_token" },
    { addBos: false, maxModelLen: 40, what: "prompts cut from the left to a 40-token context" },
    { addBos: true, maxModelLen: 40, what: "add_bos_token and prompts cut from the left (the cut takes the BOS)" },
  ])("$what", ({ addBos, maxModelLen }) => {
    it.each(["vllm", "sglang"] as const)("%s: the harness's request bodies and scores", async (name) => {
      server.maxModelLen = maxModelLen;
      const engine = await engineFor(name);
      // The context the engine reports (vLLM's and SGLang's max_model_len), as the quality tests read it.
      const quality = qualityEngine(engine, { addBosToken: addBos, contextLength: (await requestCapacity(engine)).context });
      let cut = 0;
      for (const item of items) {
        server.scored.length = 0;
        const results = await quality.loglikelihoods(item.context, item.continuations);
        const expected = item.continuations.map((continuation) => harnessRequest(tokenizer, item.context, continuation, addBos, maxModelLen - 1));
        const inputs = expected.map((request) => request.input);
        expect(server.scored).toEqual([
          name === "vllm"
            ? { model: "llama", prompt: inputs, temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true }
            : { input_ids: inputs, sampling_params: { max_new_tokens: 1, temperature: 0 }, logprob_start_len: 0, top_logprobs_num: 1, return_logprob: true },
        ]);
        // BOS leads every request with add_bos_token, unless the cut took it.
        expect(inputs.map((ids) => ids[0] === BOS)).toEqual(expected.map((request) => addBos && !request.cut));
        // vLLM: sum(token_logprobs[ctxlen:-1]); SGLang: sum(input_token_logprobs[ctxlen:]); the same positions here.
        const scores = expected.map(({ input, ctxlen }) => input.slice(ctxlen).reduce((sum, id, i) => sum + logprobAt(id, ctxlen + i), 0));
        expect(results.map((result) => result.logprob)).toEqual(scores.map((score) => expect.closeTo(score, 9)));
        expect(results.map((result) => result.truncated)).toEqual(expected.map((request) => request.cut));
        cut += results.filter((result) => result.truncated).length;
      }
      expect(quality.window.contextLength).toBe(maxModelLen);
      // The short context cuts most prompts (not necessarily all), the long one none.
      if (maxModelLen === 4096) expect(cut).toBe(0);
      else expect(cut).toBeGreaterThan(items.length);
      await engine.terminate();
    });
  });
});
