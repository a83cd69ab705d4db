/**
 * An HTTP server speaking the tokenize APIs of llama.cpp, vLLM, SGLang and TGI over a
 * one-token-per-word vocabulary (BOS = 1, EOS = 2), recording what it was sent and how many
 * requests were in flight at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeTokenizeServer {
  baseUrl: string;
  requests: { path: string; body: Record<string, unknown> }[];
  maxInFlight: number;
  /** Makes every answer this status (200 restores normal answers). */
  status: number;
  close(): Promise<void>;
}

const BOS = 1;
const EOS = 2;

export async function startFakeTokenizeServer(delayMs = 2): Promise<FakeTokenizeServer> {
  const ids = new Map<string, number>();
  const wordsById: string[] = ["<unk>", "<s>", "</s>"];
  const encode = (text: string): number[] =>
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => {
        let id = ids.get(word);
        if (id === undefined) {
          id = wordsById.push(word) - 1;
          ids.set(word, id);
        }
        return id;
      });
  const decode = (tokens: number[]): string => tokens.filter((id) => id > EOS).map((id) => wordsById[id]).join(" ");

  let inFlight = 0;
  const state: FakeTokenizeServer = {
    baseUrl: "",
    requests: [],
    maxInFlight: 0,
    status: 200,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const answer = (path: string, body: Record<string, unknown>): unknown => {
    switch (path) {
      case "/tokenize":
        if ("content" in body) return { tokens: [...(body.add_special ? [BOS] : []), ...encode(String(body.content))] };
        if ("inputs" in body) {
          const text = String(body.inputs);
          return [BOS, ...encode(text), EOS].map((id, index) => ({ id, text: wordsById[id], start: index, stop: index + 1 }));
        }
        return { tokens: [...(body.add_special_tokens ? [BOS] : []), ...encode(String(body.prompt))], count: 0, max_model_len: 4096 };
      case "/detokenize":
        return "model" in body ? { prompt: decode(body.tokens as number[]) } : { content: decode(body.tokens as number[]) };
      case "/v1/tokenize": {
        const tokens = (body.prompt as string[]).map((text) => [...(body.add_special_tokens ? [BOS] : []), ...encode(text)]);
        return { tokens, count: tokens.map((list) => list.length), max_model_len: 4096 };
      }
      case "/v1/detokenize":
        return { text: (body.tokens as number[][]).map(decode) };
      default:
        return undefined;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let text = "";
    for await (const chunk of request) text += String(chunk);
    const body = JSON.parse(text || "{}") as Record<string, unknown>;
    const path = request.url ?? "";
    state.requests.push({ path, body });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    inFlight--;
    const result = answer(path, body);
    const status = result === undefined ? 404 : state.status;
    response.writeHead(status, { "content-type": "application/json" });
    response.end(status === 200 ? JSON.stringify(result) : JSON.stringify({ error: "nope" }));
  };

  const server: Server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
