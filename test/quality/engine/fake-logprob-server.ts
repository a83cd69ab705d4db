/**
 * A local HTTP server answering the log-probability routes in each engine's real shape, and
 * vLLM's and SGLang's tokenize routes for token-id prompts. Prompts are split into tokens at word
 * starts (ids numbered as pieces are first seen); every prompt token gets log-probability −0.5
 * and the top-k lists lead with " B". Every request body is kept, so tests can check what was
 * sent. Any GET answers ready, for every engine's probe.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeLogprobServer extends AsyncDisposable {
  url: string;
  requests: { path: string; body: Record<string, unknown> }[];
}

const TOP = [
  { token: " B", logprob: -0.1 },
  { token: " A", logprob: -1.2 },
  { token: " C", logprob: -3 },
];

function promptTokens(prompt: string): string[] {
  return prompt.match(/\s*\S+|\s+/g) ?? [];
}

const ids = new Map<string, number>();
const pieces: string[] = [];

function encode(text: string): number[] {
  return promptTokens(text).map((piece) => {
    if (!ids.has(piece)) ids.set(piece, pieces.push(piece) - 1);
    return ids.get(piece)!;
  });
}

/** The tokens of a prompt given as text or as token ids. */
function tokensOf(prompt: unknown): string[] {
  return Array.isArray(prompt) ? prompt.map((id) => pieces[id as number] ?? "?") : promptTokens(String(prompt));
}

/** The pieces whose concatenation is `text`, for tests checking what a token-id request held. */
export function decodeIds(sent: readonly number[]): string {
  return sent.map((id) => pieces[id]).join("");
}

function answer(path: string, body: Record<string, unknown>): unknown {
  if (path === "/v1/completions" && body.echo === true) {
    // A list of prompts is a batch, as vLLM answers it: a choice per prompt, usage summed.
    const prompts: unknown[] = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
    const choices = prompts.map((prompt, index) => {
      const tokens = [...tokensOf(prompt), "\n"];
      return { index, text: `${tokens.join("")}`, logprobs: { tokens, token_logprobs: tokens.map((_, i) => (i === 0 ? null : -0.5)), top_logprobs: tokens.map(() => null) } };
    });
    const promptCount = choices.reduce((sum, choice) => sum + choice.logprobs.tokens.length - 1, 0);
    return { choices: choices.reverse(), usage: { prompt_tokens: promptCount, completion_tokens: prompts.length } };
  }
  if (path === "/v1/completions") {
    return { choices: [{ index: 0, text: " B", logprobs: { top_logprobs: [Object.fromEntries(TOP.map((e) => [e.token, e.logprob]))] } }] };
  }
  if (path === "/tokenize" && typeof body.prompt === "string") return { tokens: encode(body.prompt), count: 0, max_model_len: 4096 };
  if (path === "/v1/tokenize") return { tokens: (body.prompt as string[]).map(encode) };
  if (path === "/tokenize" && body.with_pieces === true) {
    // llama.cpp's pieces: the last token of "Answer: A" is " A", of "\nA" is "A"; ids 1000+ for unspaced.
    const content = String(body.content);
    const last = content.at(-1) ?? "";
    const spaced = content.at(-2) === " ";
    return { tokens: [{ id: spaced ? last.charCodeAt(0) : 1000 + last.charCodeAt(0), piece: spaced ? ` ${last}` : last }] };
  }
  if (path === "/completion" && body.post_sampling_probs === true) {
    // After equal letter biases the letters lead, keeping their order.
    const top_probs = TOP.map((entry) => ({ token: entry.token, prob: Math.exp(entry.logprob) }));
    return { content: " B", completion_probabilities: [{ token: " B", prob: top_probs[0]?.prob, top_probs }] };
  }
  if (path === "/completion") return { content: " B", completion_probabilities: [{ token: " B", logprob: -0.1, top_logprobs: TOP }] };
  if (path === "/api/generate") return { response: " B", done: true, logprobs: [{ token: " B", logprob: -0.1, top_logprobs: TOP }] };
  if (path === "/generate" && Array.isArray(body.input_ids)) {
    return (body.input_ids as number[][]).map((sent) => ({ text: "\n", meta_info: { input_token_logprobs: sent.map((id, i) => [i === 0 ? null : -0.5, id, null]) } }));
  }
  if (path === "/generate") {
    const inputs = String(body.inputs);
    return {
      generated_text: "\n",
      details: {
        prefill: promptTokens(inputs).map((text, i) => ({ id: i, text, logprob: i === 0 ? null : -0.5 })),
        top_tokens: [TOP.map((e, id) => ({ id, text: e.token, logprob: e.logprob, special: false }))],
      },
    };
  }
  return undefined;
}

export async function startFakeLogprobServer(): Promise<FakeLogprobServer> {
  const requests: FakeLogprobServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      if (req.method === "GET") {
        res.end("Ollama is running");
        return;
      }
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      requests.push({ path, body });
      const reply = answer(path, body);
      res.writeHead(reply === undefined ? 404 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply ?? { error: "not found" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
