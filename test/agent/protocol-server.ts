/**
 * A small server for the agent's side of `server/agents/agent-protocol.ts`: the register,
 * heartbeat, command result, job events, finish and results routes, every body validated with
 * the protocol's own schemas (a body that does not validate is recorded as a violation and answered
 * 400). It hands out queued commands with heartbeats, takes events once per `seq`, and can play a
 * server that is down (503), one whose database was reset (404 `unknown_agent` until the agent
 * registers again) and one that revoked the token (401). It is not `kitt web`: the real server
 * side is tested where both halves meet.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer, Server as HttpsServer } from "node:https";
import type { z } from "zod";
import {
  AGENT_API,
  AGENT_TOKEN_PREFIX,
  CommandResultSchema,
  HeartbeatSchema,
  JobEventBatchSchema,
  JobFinishSchema,
  RegisterRequestSchema,
  UNKNOWN_AGENT,
  type AgentCommand,
  type AgentJobEvent,
} from "../../src/server/agents/agent-protocol.js";

export type Heartbeat = z.output<typeof HeartbeatSchema>;
export type JobFinish = z.output<typeof JobFinishSchema>;

export interface ReceivedResults {
  runId: string;
  sha256: string;
  body: Buffer;
}

export class ProtocolServer implements AsyncDisposable {
  readonly code = randomBytes(16).toString("hex");
  agentId = "agent-1";
  token = `${AGENT_TOKEN_PREFIX}agent-1_${randomBytes(8).toString("hex")}_mac`;
  heartbeatIntervalS = 10;
  /** The `auto_cleanup` setting handed to the agent. */
  autoCleanup = true;
  readonly heartbeats: Heartbeat[] = [];
  readonly registrations: Array<{ withCode: boolean; withToken: boolean; name: string }> = [];
  readonly commandResults = new Map<string, z.output<typeof CommandResultSchema>>();
  /** Events per job, by `seq`; `duplicates` counts those sent again. */
  readonly events = new Map<string, Map<number, AgentJobEvent>>();
  duplicates = 0;
  readonly finishes = new Map<string, JobFinish>();
  readonly results = new Map<string, ReceivedResults>();
  readonly violations: string[] = [];
  /** Requests answered, by route, while up. */
  readonly requests: string[] = [];
  down = false;
  /** Requests answered 503 while down. */
  refusedWhileDown = 0;
  revoked = false;
  private known = true;
  private queue: AgentCommand[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: Server) {}

  /** Plain HTTP, or HTTPS with `tls`'s certificate. */
  static async start(tls?: { cert: string; key: string }): Promise<ProtocolServer> {
    const server = tls ? createTlsServer(tls) : createServer();
    const self = new ProtocolServer(server);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => void self.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return self;
  }

  get url(): string {
    const address = this.server.address();
    const scheme = this.server instanceof HttpsServer ? "https" : "http";
    return `${scheme}://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  /** Handed out with the next heartbeat. */
  queueCommand(command: AgentCommand): void {
    this.queue.push(command);
  }

  /** A database reset: the agent's row is gone, its token still one this server issued. */
  forget(): void {
    this.known = false;
  }

  eventsOf(jobId: string): AgentJobEvent[] {
    return [...(this.events.get(jobId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  /** Resolves once `check` holds (checked after every request), or rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs = 120_000, what = "the condition"): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!check()) return;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${what}; requests: ${this.requests.slice(-10).join(", ")}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = request.url ?? "";
    const send = (status: number, json: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    };
    try {
      if (this.down) {
        this.refusedWhileDown++;
        return send(503, { error: "down for maintenance" });
      }
      this.requests.push(`${request.method} ${path}`);
      const bearer = request.headers.authorization === `Bearer ${this.token}`;
      if (request.method === "POST" && path === `${AGENT_API}/register`) {
        const registration = this.parse(RegisterRequestSchema, body, path);
        if (!registration) return send(400, { error: "invalid" });
        if (registration.code !== undefined ? registration.code !== this.code : !bearer) return send(401, { error: "invalid enrolment code or token" });
        this.registrations.push({ withCode: registration.code !== undefined, withToken: request.headers.authorization !== undefined, name: registration.name });
        this.known = true;
        return send(201, { agent_id: this.agentId, name: registration.name, ...(registration.code !== undefined ? { token: this.token } : {}), settings: { heartbeat_interval_s: this.heartbeatIntervalS, auto_cleanup: this.autoCleanup } });
      }
      if (!bearer || this.revoked) return send(401, { error: "token refused" });
      if (!this.known) return send(404, { error: UNKNOWN_AGENT });
      if (request.method === "POST" && path === `${AGENT_API}/heartbeat`) {
        const heartbeat = this.parse(HeartbeatSchema, body, path);
        if (!heartbeat) return send(400, { error: "invalid" });
        this.heartbeats.push(heartbeat);
        return send(200, { commands: this.queue.splice(0, 4), settings: { heartbeat_interval_s: this.heartbeatIntervalS, auto_cleanup: this.autoCleanup } });
      }
      const command = new RegExp(`^${AGENT_API}/commands/([^/]+)/result$`).exec(path);
      if (request.method === "POST" && command) {
        const result = this.parse(CommandResultSchema, body, path);
        if (!result) return send(400, { error: "invalid" });
        this.commandResults.set(decodeURIComponent(command[1]!), result);
        return send(200, { ok: true });
      }
      const job = new RegExp(`^${AGENT_API}/jobs/([^/]+)/(events|finish|results)$`).exec(path);
      if (job) {
        const jobId = decodeURIComponent(job[1]!);
        if (request.method === "POST" && job[2] === "events") {
          const batch = this.parse(JobEventBatchSchema, body, path);
          if (!batch) return send(400, { error: "invalid" });
          const events = this.events.get(jobId) ?? new Map<number, AgentJobEvent>();
          this.events.set(jobId, events);
          for (const event of batch.events) {
            if (events.has(event.seq)) this.duplicates++;
            else events.set(event.seq, event);
          }
          return send(200, { ok: true });
        }
        if (request.method === "POST" && job[2] === "finish") {
          const finish = this.parse(JobFinishSchema, body, path);
          if (!finish) return send(400, { error: "invalid" });
          this.finishes.set(jobId, finish);
          return send(200, { ok: true });
        }
        if (request.method === "PUT" && job[2] === "results") {
          const sha256 = String(request.headers["x-kitt-sha256"]);
          const runId = String(request.headers["x-kitt-run-id"]);
          if (createHash("sha256").update(body).digest("hex") !== sha256) {
            this.violations.push(`${path}: the archive's digest is not ${sha256}`);
            return send(400, { error: "digest mismatch" });
          }
          this.results.set(jobId, { runId, sha256, body });
          return send(200, { ok: true });
        }
      }
      return send(404, { error: "no such route" });
    } finally {
      for (const waiter of [...this.waiters]) waiter();
    }
  }

  private parse<T extends z.ZodType>(schema: T, body: Buffer, path: string): z.output<T> | undefined {
    const parsed = schema.safeParse(JSON.parse(body.toString("utf8") || "null"));
    if (parsed.success) return parsed.data;
    this.violations.push(`${path}: ${parsed.error.message}`);
    return undefined;
  }
}
