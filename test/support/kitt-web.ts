/**
 * `kitt web` and `kitt agent` as end-to-end tests use them, each a real process with its own
 * home: the server (started again on the same port and home after a crash), the REST calls a
 * person makes with the server's token, an agent enrolled with a code, and a job's event stream.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import { runKitt, startKitt, tempKittHome, type KittRun } from "./cli.js";
import { ensureTestModel } from "./llama.js";

export interface WebProcess {
  run: KittRun;
  /** `http://127.0.0.1:PORT`. */
  base: string;
  port: number;
}

/** `kitt web` on `port` (0: one the OS picks) with `home` and `token`, once it serves. */
export async function startWeb(home: string, token: string, port = 0): Promise<WebProcess> {
  const run = startKitt(["web", "--port", String(port)], { KITT_HOME: home, KITT_AUTH_TOKEN: token });
  const base = (await run.waitFor(/serving (http:\/\/\S+)/, 60_000)).replace(/^serving /, "");
  return { run, base, port: Number(new URL(base).port) };
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export type WebApi = (path: string, init?: { method?: string; body?: unknown }) => Promise<ApiAnswer>;

/** Calls the server's REST API as a person with the server's token. */
export function webApi(base: string, token: string): WebApi {
  return async (path, init = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

export interface InitAgent {
  /** The agent's KITT_HOME; its model directory `models/` holds the tiny model as `tiny.gguf`. */
  home: string;
  code: string;
  /** How `kitt agent init` ended. */
  init: { code: number; stdout: string; stderr: string };
}

/** An enrolment code named `name`, traded by `kitt agent init` in a fresh home whose model directory holds the tiny model. */
export async function initAgent(api: WebApi, base: string, name: string): Promise<InitAgent> {
  const enrolment = await api("/api/v1/agents/enrolments", { method: "POST", body: { name } });
  if (enrolment.status !== 201) throw new Error(`enrolment refused: ${enrolment.status} ${JSON.stringify(enrolment.body)}`);
  const code = enrolment.body.code as string;
  const home = tempKittHome();
  const models = join(home, "models");
  await mkdir(models);
  await copyFile(await ensureTestModel(), join(models, "tiny.gguf"));
  const init = await runKitt(["agent", "init", "--server", base, "--code", code, "--model-dir", models], { KITT_HOME: home });
  return { home, code, init };
}

export interface StreamedJobEvent {
  type: string;
  seq: number;
  line?: string;
  job?: { status: string };
}

/** Every event of the job's SSE stream (pings aside) until the server ends it. */
export async function jobEvents(base: string, token: string, jobId: string, timeoutMs = 180_000): Promise<StreamedJobEvent[]> {
  const events: StreamedJobEvent[] = [];
  const stream = await fetch(`${base}/api/v1/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  const parser = createParser({ onEvent: (message) => void (message.event !== "ping" && events.push(JSON.parse(message.data) as StreamedJobEvent)) });
  const decoder = new TextDecoder();
  for await (const chunk of stream.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  return events;
}
