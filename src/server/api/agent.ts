/**
 * The routes agents call (`/api/v1/agent/*`, see `agents/agent-protocol.ts`): the install
 * script and package (with an enrolment code), register, heartbeat, command results, and a
 * job's events and ending. The agent gate (`agents/agent-auth.ts`) checked the token; every
 * route here acts on the token's own agent and its own jobs only.
 */
import { Readable } from "node:stream";
import { createReadStream } from "node:fs";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { finishCommand, hasDeliverableCommands } from "../../store/agent-commands.js";
import { enrolAgent, enrolmentValid, recordBeat, restoreAgent, updateRegistration, type AgentRecord } from "../../store/agents.js";
import { getJob } from "../../store/jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { AgentJobs } from "../agents/agent-jobs.js";
import { agentSettings } from "../agents/agent-liveness.js";
import type { AgentPackage } from "../agents/agent-package.js";
import {
  AgentCommandSchema,
  CommandResultSchema,
  CommandsWaitResponseSchema,
  COMMANDS_WAIT_S,
  HeartbeatResponseSchema,
  HeartbeatSchema,
  JobEventBatchSchema,
  JobFinishSchema,
  MAX_COMMANDS_PER_HEARTBEAT,
  RegisterRequestSchema,
  RegisterResponseSchema,
  type AgentCommand,
} from "../agents/agent-protocol.js";
import { newAgentId, secretHash, type AgentTokens, type VerifiedToken } from "../agents/agent-tokens.js";
import { installScript } from "../agents/install-script.js";
import type { JobEventHub } from "../jobs/job-event-hub.js";
import type { QueuedCommand } from "../../store/agent-commands.js";
import { errorResponses, jsonContent } from "./schemas.js";

const Problem = z.object({ error: z.string() });
const unauthorized = { 401: jsonContent(Problem, "no valid code or token: revoked, replaced, used or expired") };
const forbidden = { 403: jsonContent(Problem, "a human token or session: agent routes take only an agent's token") };
const unknownAgent = { 404: jsonContent(Problem, "`unknown_agent`: the token is this server's but it holds no such agent (register again with the token)") };
const agentAuth = { ...unauthorized, ...forbidden, ...unknownAgent };
const agentSecurity: Array<Record<string, string[]>> = [{ agentToken: [] }];
/** An enrolment code (no token) or the agent's token. */
const codeOrAgentSecurity: Array<Record<string, string[]>> = [{}, { agentToken: [] }];

const CodeQuery = z.object({ code: z.string().max(256).optional().openapi({ description: "the enrolment code" }) });
const IdParam = (what: string) =>
  z.object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/)
      .openapi({ param: { name: "id", in: "path" }, description: what }),
  });

const installRoute = createRoute({
  method: "get",
  path: "/agent/install.sh",
  summary: "the agent install script for an enrolment code (curl … | bash); 401 without a valid, unused, unexpired code",
  security: [],
  request: { query: CodeQuery },
  responses: { 200: { content: { "text/x-shellscript": { schema: z.string() } }, description: "the script" }, ...unauthorized, ...forbidden, ...errorResponses },
});

const packageRoute = createRoute({
  method: "get",
  path: "/agent/package",
  summary: "this server's kitt as an npm package (.tgz), for an enrolment code or an agent's token; X-Kitt-Sha256 carries its digest",
  security: codeOrAgentSecurity,
  request: { query: CodeQuery },
  responses: { 200: { content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } }, description: "the package" }, ...agentAuth, ...errorResponses },
});

const registerRoute = createRoute({
  method: "post",
  path: "/agent/register",
  summary: "trade an enrolment code for the agent's token (shown once), or register again with the token after a database reset",
  security: codeOrAgentSecurity,
  request: { body: { required: true, content: { "application/json": { schema: RegisterRequestSchema } } } },
  responses: { 200: jsonContent(RegisterResponseSchema, "the agent"), ...agentAuth, ...errorResponses },
});

const heartbeatRoute = createRoute({
  method: "post",
  path: "/agent/heartbeat",
  summary: "the agent's status; answered with its settings and a few queued commands (each handed out once)",
  security: agentSecurity,
  request: { body: { required: true, content: { "application/json": { schema: HeartbeatSchema } } } },
  responses: { 200: jsonContent(HeartbeatResponseSchema, "settings and commands"), ...agentAuth, ...errorResponses },
});

const commandsWaitRoute = createRoute({
  method: "get",
  path: "/agent/commands/wait",
  summary: "held open until a command is queued for this agent or `timeout_s` passed; a command it can take already waiting answers at once",
  security: agentSecurity,
  request: { query: z.object({ timeout_s: z.coerce.number().int().min(1).max(COMMANDS_WAIT_S.max).default(COMMANDS_WAIT_S.default) }) },
  responses: { 200: jsonContent(CommandsWaitResponseSchema, "whether a command waits: heartbeat to take it"), ...agentAuth, ...errorResponses },
});

const commandResultRoute = createRoute({
  method: "post",
  path: "/agent/commands/{id}/result",
  summary: "how one of the agent's commands went",
  security: agentSecurity,
  request: { params: IdParam("command id"), body: { required: true, content: { "application/json": { schema: CommandResultSchema } } } },
  responses: { 200: jsonContent(z.object({ ok: z.literal(true) }), "recorded"), ...agentAuth, ...errorResponses },
});

const jobEventsRoute = createRoute({
  method: "post",
  path: "/agent/jobs/{id}/events",
  summary: "a batch of log lines and progress of the agent's job, numbered; a batch sent again is taken once",
  security: agentSecurity,
  request: { params: IdParam("job id"), body: { required: true, content: { "application/json": { schema: JobEventBatchSchema } } } },
  responses: { 200: jsonContent(z.object({ taken: z.number() }), "how many events were new"), ...agentAuth, ...errorResponses },
});

const jobFinishRoute = createRoute({
  method: "post",
  path: "/agent/jobs/{id}/finish",
  summary: "how the agent's job ended (a job already ended keeps its ending)",
  security: agentSecurity,
  request: { params: IdParam("job id"), body: { required: true, content: { "application/json": { schema: JobFinishSchema } } } },
  responses: { 200: jsonContent(z.object({ status: z.string() }), "the job's status now"), ...agentAuth, ...errorResponses },
});

export interface AgentRoutesOptions {
  store: ResultsStore;
  tokens: AgentTokens;
  jobs: AgentJobs;
  events: JobEventHub;
  pack: AgentPackage;
  /** `sha256//…` when the server uses its self-signed certificate. */
  publicKeyPin?: string;
}

export function agentRoutes(api: OpenAPIHono, options: AgentRoutesOptions): void {
  const { store, tokens, jobs, events, pack } = options;
  api.openAPIRegistry.registerComponent("securitySchemes", "agentToken", { type: "http", scheme: "bearer", description: "an agent's token (kitt_agent_…)" });

  api.openapi(installRoute, async (c) => {
    await requireCode(store, c.req.valid("query").code);
    const packed = await pack.get();
    const script = installScript({ serverUrl: new URL(c.req.url).origin, code: c.req.valid("query").code!, publicKeyPin: options.publicKeyPin, packageSha256: packed.sha256, kittVersion: packed.version });
    return c.body(script, 200, { "Content-Type": "text/x-shellscript; charset=utf-8", "Cache-Control": "no-store" });
  });

  api.openapi(packageRoute, async (c) => {
    if (!tokenOf(c)?.known) await requireCode(store, c.req.valid("query").code);
    const packed = await pack.get();
    const body = Readable.toWeb(createReadStream(packed.path)) as ReadableStream<Uint8Array>;
    return c.body(body, 200, {
      "Content-Type": "application/gzip",
      "Content-Length": String(packed.size),
      "Content-Disposition": `attachment; filename="kitt-${packed.version}.tgz"`,
      "X-Kitt-Sha256": packed.sha256,
      "X-Kitt-Version": packed.version,
    });
  });

  api.openapi(registerRoute, async (c) => {
    const request = c.req.valid("json");
    const registration = { name: request.name, hardware: request.hardware as AgentRecord["hardware"], engines: request.engines, kitt_version: clean(request.kitt_version) };
    const token = tokenOf(c);
    if (token !== undefined) {
      const agent = token.known ? await updateRegistration(store, token.id, registration) : await restoreAgent(store, { id: token.id, token, registration, settings: agentSettings({ settings: null }) });
      if (!agent) throw new HTTPException(404, { message: "unknown_agent" });
      return c.json({ agent_id: agent.id, name: agent.name, settings: agentSettings(agent) }, 200);
    }
    if (request.code === undefined) throw new HTTPException(401, { message: "register with an enrolment code or the agent's token" });
    const id = newAgentId();
    const issued = await tokens.issue(id);
    const agent = await enrolAgent(store, { codeHash: secretHash(request.code), id, token: issued, registration, settings: agentSettings({ settings: null }) });
    if (!agent) throw new HTTPException(401, { message: "the enrolment code is not valid: unknown, used or expired" });
    return c.json({ agent_id: agent.id, name: agent.name, token: issued.token, settings: agentSettings(agent) }, 200);
  });

  api.openapi(heartbeatRoute, async (c) => {
    const id = agentOf(c);
    const beat = c.req.valid("json");
    const answer = await recordBeat(
      store,
      id,
      { status: beat.status, running_job: beat.running_job, kitt_version: clean(beat.kitt_version), last_status: { gpus: beat.gpus, free_model_storage_gb: beat.free_model_storage_gb } },
      MAX_COMMANDS_PER_HEARTBEAT,
    );
    if (answer.started !== null) {
      const job = await getJob(store, answer.started);
      if (job) events.emit(job.id, { type: "status", job });
    }
    return c.json({ commands: answer.commands.flatMap(protocolCommand), settings: agentSettings(answer) }, 200);
  });

  api.openapi(commandsWaitRoute, async (c) => {
    const id = agentOf(c);
    const pending = await jobs.doorbell.wait(id, c.req.valid("query").timeout_s * 1000, c.req.raw.signal, () => hasDeliverableCommands(store, id));
    return c.json({ pending }, 200);
  });

  api.openapi(commandResultRoute, async (c) => {
    const result = c.req.valid("json");
    const command = await finishCommand(store, agentOf(c), c.req.valid("param").id, { ok: result.ok, output: clean(result.output) });
    if (!command) throw new HTTPException(404, { message: "no such command was handed to this agent" });
    if (command.type === "run_test" && !result.ok && command.job_id !== null) {
      const job = await getJob(store, command.job_id);
      if (job) {
        events.emit(job.id, { type: "status", job });
        events.ended(job.id);
      }
    }
    return c.json({ ok: true as const }, 200);
  });

  api.openapi(jobEventsRoute, async (c) => {
    const batch = c.req.valid("json").events.map((event) => (event.type === "log" ? { ...event, line: clean(event.line) } : event));
    return c.json({ taken: await jobs.take(agentOf(c), c.req.valid("param").id, batch) }, 200);
  });

  api.openapi(jobFinishRoute, async (c) => {
    const end = c.req.valid("json");
    const job = await jobs.finish(agentOf(c), c.req.valid("param").id, { ...end, error: end.error === null ? null : clean(end.error) });
    return c.json({ status: job.status }, 200);
  });
}

/** The agent token the gate verified, if the request had one. */
function tokenOf(c: Context): (VerifiedToken & { known: boolean }) | undefined {
  return c.get("agentToken");
}

/** The agent the token names; the gate let nothing else through. */
export function agentOf(c: Context): string {
  const token = tokenOf(c);
  if (token === undefined || !token.known) throw new HTTPException(401, { message: "this needs the agent's token" });
  return token.id;
}

async function requireCode(store: ResultsStore, code: string | undefined): Promise<void> {
  if (code === undefined || !/^[A-Za-z0-9_-]{16,128}$/.test(code) || !(await enrolmentValid(store, secretHash(code)))) {
    throw new HTTPException(401, { message: "this needs a valid enrolment code: unknown, used or expired" });
  }
}

/** Text from an agent with NUL characters dropped (PostgreSQL refuses them in text). */
function clean(text: string): string {
  return text.replaceAll("\u0000", "");
}

function protocolCommand(command: QueuedCommand): AgentCommand[] {
  const parsed = AgentCommandSchema.safeParse({ ...command.payload, type: command.type, command_id: command.id });
  if (parsed.success) return [parsed.data];
  process.stderr.write(`kitt web: agent command ${command.id} (${command.type}) does not fit the protocol; left out\n`);
  return [];
}
