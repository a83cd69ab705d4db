/**
 * The agent's side of the protocol (`server/agents/agent-protocol.ts`). Every call has a time
 * limit and ends in an outcome the daemon acts on: `ok` with the validated answer, `revoked`
 * (401: stop), `unknown_agent` (404: re-register), `unreachable` (network, time limit, 5xx: keep
 * going, spool), `rejected` (another 4xx: the server will never take this request), or
 * `pin_mismatch` (the server's certificate is not the pinned one; nothing was sent).
 *
 * With a pin the server's certificate is checked by its SHA-256 fingerprint instead of a CA (the
 * self-signed certificate of `kitt web --tls`), before the request, and so the token, is written.
 */
import { createReadStream } from "node:fs";
import { Agent, request, type Dispatcher } from "undici";
import type { z } from "zod";
import { describeError, KittError } from "../errors.js";
import { PinMismatchError, pinnedConnector } from "./server-connection.js";
import {
  agentPaths,
  CommandsWaitResponseSchema,
  HeartbeatResponseSchema,
  RegisterResponseSchema,
  UNKNOWN_AGENT,
  type CommandResultSchema,
  type HeartbeatSchema,
  type JobEventBatchSchema,
  type JobFinishSchema,
  type RegisterRequestSchema,
} from "../server/agents/agent-protocol.js";

export type RegisterRequest = z.input<typeof RegisterRequestSchema>;
export type RegisterResponse = z.output<typeof RegisterResponseSchema>;
export type Heartbeat = z.input<typeof HeartbeatSchema>;
export type HeartbeatResponse = z.output<typeof HeartbeatResponseSchema>;
export type CommandResult = z.input<typeof CommandResultSchema>;
export type CommandsWaitResponse = z.output<typeof CommandsWaitResponseSchema>;
export type JobEventBatch = z.input<typeof JobEventBatchSchema>;
export type JobFinish = z.input<typeof JobFinishSchema>;

export type Outcome<T> =
  | { kind: "ok"; value: T }
  | { kind: "revoked"; message: string }
  | { kind: "unknown_agent"; message: string }
  | { kind: "unreachable"; message: string }
  | { kind: "rejected"; status: number; message: string }
  | { kind: "pin_mismatch"; message: string };

export interface AgentClientOptions {
  server: string;
  token?: string;
  /** The server certificate's SHA-256 fingerprint, `AB:CD:…` uppercase. */
  caPin?: string;
  /** Each call's limit, connection to last byte (default 15 s). */
  timeoutMs?: number;
  /** A results upload's limit (default 10 min). */
  uploadTimeoutMs?: number;
}

export interface ResultsUpload {
  path: string;
  sha256: string;
  runId: string;
}

export class AgentClient implements AsyncDisposable {
  private readonly dispatcher: Agent;
  private readonly base: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;

  constructor(options: AgentClientOptions) {
    this.base = options.server.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 600_000;
    this.dispatcher = new Agent({ connect: pinnedConnector(options.caPin, this.timeoutMs), headersTimeout: this.uploadTimeoutMs, bodyTimeout: this.uploadTimeoutMs });
  }

  /** With `code` in the body on enrolment; with the token (no code) after a database reset. */
  register(body: RegisterRequest): Promise<Outcome<RegisterResponse>> {
    return this.call("POST", agentPaths.register, { body, parse: (json) => RegisterResponseSchema.parse(json), auth: body.code === undefined });
  }

  heartbeat(body: Heartbeat): Promise<Outcome<HeartbeatResponse>> {
    return this.call("POST", agentPaths.heartbeat, { body, parse: (json) => HeartbeatResponseSchema.parse(json) });
  }

  /** Held open by the server until a command waits for this agent or `timeoutS` passed; `signal` gives up earlier. */
  commandsWait(timeoutS: number, signal: AbortSignal): Promise<Outcome<CommandsWaitResponse>> {
    return this.call("GET", `${agentPaths.commandsWait}?timeout_s=${timeoutS}`, { parse: (json) => CommandsWaitResponseSchema.parse(json), timeoutMs: timeoutS * 1000 + this.timeoutMs, signal });
  }

  commandResult(commandId: string, body: CommandResult): Promise<Outcome<void>> {
    return this.call("POST", agentPaths.commandResult(commandId), { body });
  }

  jobEvents(jobId: string, body: JobEventBatch): Promise<Outcome<void>> {
    return this.call("POST", agentPaths.jobEvents(jobId), { body });
  }

  jobFinish(jobId: string, body: JobFinish): Promise<Outcome<void>> {
    return this.call("POST", agentPaths.jobFinish(jobId), { body });
  }

  uploadResults(jobId: string, upload: ResultsUpload): Promise<Outcome<void>> {
    return this.call("PUT", agentPaths.jobResults(jobId), {
      stream: upload.path,
      headers: { "content-type": "application/gzip", "x-kitt-sha256": upload.sha256, "x-kitt-run-id": upload.runId },
      timeoutMs: this.uploadTimeoutMs,
    });
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async call<T = void>(
    method: Dispatcher.HttpMethod,
    path: string,
    options: { body?: unknown; stream?: string; headers?: Record<string, string>; parse?: (json: unknown) => T; auth?: boolean; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<Outcome<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== false) {
      if (this.token === undefined) throw new KittError("INTERNAL", "the agent has no token yet");
      headers.authorization = `Bearer ${this.token}`;
    }
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let status: number;
    let text: string;
    try {
      const response = await request(`${this.base}${path}`, {
        method,
        headers,
        body: options.stream !== undefined ? createReadStream(options.stream) : options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: this.dispatcher,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      const pin = pinError(error);
      if (pin) return { kind: "pin_mismatch", message: pin.message };
      const why = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : describeError(error);
      return { kind: "unreachable", message: `${this.base} did not answer ${method} ${path}: ${why}` };
    }
    const said = serverMessage(text);
    if (status >= 200 && status < 300) {
      if (!options.parse) return { kind: "ok", value: undefined as T };
      try {
        return { kind: "ok", value: options.parse(JSON.parse(text)) };
      } catch (error) {
        return { kind: "unreachable", message: `${this.base} answered ${method} ${path} with something that is not the agent protocol: ${describeError(error)}` };
      }
    }
    if (status === 401) return { kind: "revoked", message: `${this.base} refused this agent's token${said ? ` (${said})` : ""}; it was revoked or rotated. Give the rotated token with 'kitt agent token set', or enrol again with 'kitt agent init --force'` };
    if (status === 404 && said === UNKNOWN_AGENT) return { kind: "unknown_agent", message: `${this.base} does not know this agent` };
    if (status >= 500 || status === 408 || status === 429) return { kind: "unreachable", message: `${this.base} answered ${method} ${path} with ${status}${said ? `: ${said}` : ""}` };
    return { kind: "rejected", status, message: `${this.base} refused ${method} ${path} with ${status}${said ? `: ${said}` : ""}` };
  }
}

/** The value an outcome carries, or the KittError a command line reports for it. */
export function valueOf<T>(outcome: Outcome<T>): T {
  switch (outcome.kind) {
    case "ok":
      return outcome.value;
    case "revoked":
      throw new KittError("AGENT_REVOKED", outcome.message);
    case "pin_mismatch":
      throw new KittError("TLS_PIN_MISMATCH", outcome.message);
    case "unreachable":
      throw new KittError("SERVER_UNREACHABLE", outcome.message);
    case "unknown_agent":
      throw new KittError("NOT_FOUND", `${outcome.message}: enrol again with 'kitt agent init'`);
    case "rejected":
      throw new KittError("USAGE", outcome.message);
  }
}

function pinError(error: unknown): PinMismatchError | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (cause instanceof PinMismatchError) return cause;
  return undefined;
}

/** The server's `{"error": "…"}` (or its text), one line. */
function serverMessage(text: string): string {
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json === "object" && json !== null && "error" in json && typeof json.error === "string") return json.error;
  } catch {
    // Not JSON.
  }
  return text.trim().split("\n")[0]?.slice(0, 200) ?? "";
}
