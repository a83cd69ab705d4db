/**
 * The self-test's stand-in engine: an OpenAI `/v1/completions` streaming server with no model
 * behind it. It streams `max_tokens` vLLM-shaped chunks, either all at once ("zero latency":
 * whatever limits the run is the client) or one every `tokenIntervalMs` after `firstTokenMs`
 * ("reference": a known, steady pace), and records when it really wrote each request's response
 * start and tokens on the machine-wide monotonic clock, so the client's measurements can be
 * checked against what was sent. The request's index is read from the end of its prompt.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { monotonicNowMs } from "../dispatch/clock.js";
import { Pacer } from "./pacer.js";

export interface SelftestServerConfig {
  /** Wait before the first token, ms; with `tokenIntervalMs` 0 as well, all tokens go out at once. */
  firstTokenMs: number;
  tokenIntervalMs: number;
}

export const ZERO_LATENCY: SelftestServerConfig = { firstTokenMs: 0, tokenIntervalMs: 0 };
export const REFERENCE_PACE: SelftestServerConfig = { firstTokenMs: 50, tokenIntervalMs: 10 };

/** What the server saw and did; times are monotonic-clock ms, one entry per request in arrival order. */
export interface SelftestServerReport {
  requests: number;
  maxInFlight: number;
  /** CPU time the server's process has used so far (all threads), ms. */
  cpuMs: number;
  /** The index at the end of each request's prompt (-1 when there was none). */
  index: Int32Array;
  responseStartMs: Float64Array;
  firstTokenMs: Float64Array;
  lastTokenMs: Float64Array;
  tokens: Int32Array;
  /** Every gap between consecutive token writes of a request, ms (paced mode only). */
  tokenGapsMs: Float64Array;
}

const HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const DONE = "data: [DONE]\n\n";
const TOKEN = `data: ${JSON.stringify(chunk(" token", null))}\n\n`;
const LAST_TOKEN = `data: ${JSON.stringify(chunk(" token", "length"))}\n\n`;

export class SelftestServer {
  private readonly server: Server;
  private readonly zeroLatency: boolean;
  private inFlight = 0;
  private maxInFlight = 0;
  private readonly log = new ResponseLog();
  private readonly pacer = new Pacer();
  private readonly tokenTexts = new Map<number, string>();

  constructor(private readonly config: SelftestServerConfig) {
    this.zeroLatency = config.firstTokenMs === 0 && config.tokenIntervalMs === 0;
    this.server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => this.handle(request, response));
  }

  /** Listens on 127.0.0.1 and an ephemeral port; returns the base URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  report(): SelftestServerReport {
    const cpu = process.cpuUsage();
    return { requests: this.log.size, maxInFlight: this.maxInFlight, cpuMs: (cpu.user + cpu.system) / 1000, ...this.log.columns() };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== "POST" || request.url !== "/v1/completions") {
      response.writeHead(404).end();
      return;
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    response.once("close", () => this.inFlight--);
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      this.pacer.runDue();
      const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { prompt?: unknown; max_tokens?: unknown };
      const prompt = typeof body.prompt === "string" ? body.prompt : "";
      const tokens = typeof body.max_tokens === "number" && body.max_tokens > 0 ? body.max_tokens : 16;
      const index = Number(/(\d+)\s*$/.exec(prompt)?.[1] ?? -1);
      if (this.zeroLatency) this.streamAtOnce(response, index, tokens, prompt);
      else this.streamPaced(response, index, tokens, prompt);
    });
  }

  private streamAtOnce(response: ServerResponse, index: number, tokens: number, prompt: string): void {
    const at = monotonicNowMs();
    response.writeHead(200, HEADERS);
    // Everything in one write: the server must cost as little as possible so the client is what is measured.
    response.end(this.tokensText(tokens) + usageEvent(prompt, tokens) + DONE);
    this.log.add(index, at, at, at, tokens);
  }

  /** All token events of an answer of `tokens` tokens, built once per length. */
  private tokensText(tokens: number): string {
    let text = this.tokenTexts.get(tokens);
    if (text === undefined) {
      text = TOKEN.repeat(tokens - 1) + LAST_TOKEN;
      this.tokenTexts.set(tokens, text);
    }
    return text;
  }

  private streamPaced(response: ServerResponse, index: number, tokens: number, prompt: string): void {
    const start = monotonicNowMs();
    response.writeHead(200, HEADERS);
    response.flushHeaders();
    const entry = this.log.add(index, start, NaN, NaN, 0);
    let sent = 0;
    let previous = NaN;
    const sendToken = (): void => {
      if (response.destroyed) return;
      const at = monotonicNowMs();
      sent++;
      response.write(sent === tokens ? LAST_TOKEN : TOKEN);
      if (sent === 1) this.log.firstToken(entry, at);
      else this.log.gap(at - previous);
      previous = at;
      this.log.lastToken(entry, at, sent);
      if (sent < tokens) {
        // Each token is due at an absolute time, so a late one does not delay the ones after it.
        this.pacer.at(start + this.config.firstTokenMs + sent * this.config.tokenIntervalMs, sendToken);
        return;
      }
      response.write(usageEvent(prompt, tokens));
      response.end(DONE);
    };
    this.pacer.at(start + this.config.firstTokenMs, sendToken);
  }
}

function chunk(text: string, finishReason: string | null): Record<string, unknown> {
  return {
    id: "cmpl-selftest",
    object: "text_completion",
    created: 1_700_000_000,
    model: "selftest",
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
    usage: null,
  };
}

function usageEvent(prompt: string, tokens: number): string {
  const promptTokens = prompt.split(/\s+/).filter(Boolean).length;
  const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens + tokens, completion_tokens: tokens };
  return `data: ${JSON.stringify({ id: "cmpl-selftest", object: "text_completion", created: 1_700_000_000, model: "selftest", choices: [], usage })}\n\n`;
}

/** Per-request columns that grow by doubling, so a 100,000-request run costs a few megabytes. */
class ResponseLog {
  size = 0;
  private index = new Int32Array(1024);
  private responseStart = new Float64Array(1024);
  private first = new Float64Array(1024);
  private last = new Float64Array(1024);
  private tokens = new Int32Array(1024);
  private gaps = new Float64Array(1024);
  private gapCount = 0;

  add(index: number, responseStart: number, first: number, last: number, tokens: number): number {
    if (this.size === this.index.length) this.grow();
    const entry = this.size++;
    this.index[entry] = index;
    this.responseStart[entry] = responseStart;
    this.first[entry] = first;
    this.last[entry] = last;
    this.tokens[entry] = tokens;
    return entry;
  }

  firstToken(entry: number, at: number): void {
    this.first[entry] = at;
  }

  lastToken(entry: number, at: number, tokens: number): void {
    this.last[entry] = at;
    this.tokens[entry] = tokens;
  }

  gap(ms: number): void {
    if (this.gapCount === this.gaps.length) this.gaps = grown(this.gaps);
    this.gaps[this.gapCount++] = ms;
  }

  columns(): Omit<SelftestServerReport, "requests" | "maxInFlight" | "cpuMs"> {
    return {
      index: this.index.slice(0, this.size),
      responseStartMs: this.responseStart.slice(0, this.size),
      firstTokenMs: this.first.slice(0, this.size),
      lastTokenMs: this.last.slice(0, this.size),
      tokens: this.tokens.slice(0, this.size),
      tokenGapsMs: this.gaps.slice(0, this.gapCount),
    };
  }

  private grow(): void {
    this.index = grown(this.index);
    this.responseStart = grown(this.responseStart);
    this.first = grown(this.first);
    this.last = grown(this.last);
    this.tokens = grown(this.tokens);
  }
}

function grown<T extends Int32Array | Float64Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}
