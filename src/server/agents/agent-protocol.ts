/**
 * What a kitt agent and `kitt web` say to each other. The agent always makes the call (a GPU
 * server opens no port): it trades a single-use enrolment code for its own token, then
 * heartbeats; each heartbeat's answer carries its settings and a few queued commands. A test's
 * log lines and progress go up in batches while it runs, its results folder as one upload once
 * it ended. Every route but `install.sh`, `package` (which take the code) and `register` needs
 * the agent's token, and acts on that agent's own record, jobs and uploads only.
 *
 * Tokens are `kitt_agent_<agent id>_<secret>_<mac>`: the server stores only the SHA-256 of the
 * whole token (plus a short prefix for display), and the MAC (HMAC-SHA256 of id and secret
 * under a key the server keeps outside its database) proves a token is one this server issued.
 * So after a database reset a heartbeat is answered 404 `unknown_agent`, and the agent
 * re-registers with its token instead of a code; a rotated-away or revoked token whose row
 * still exists is answered 401 and the agent stops.
 */
import { z } from "@hono/zod-openapi";
import { JobRequestSchema } from "../jobs/job-request.js";

export const AGENT_API = "/api/v1/agent";

/** The routes, relative to the server's base URL. */
export const agentPaths = {
  /** GET, `?code=`: the install script (text/x-shellscript); 401 without a valid, unused, unexpired code. */
  installScript: `${AGENT_API}/install.sh`,
  /** GET, `?code=` or the agent's token: the `npm pack` tarball of the server's own kitt; `X-Kitt-Sha256` carries its digest. */
  package: `${AGENT_API}/package`,
  /** POST `RegisterRequest` → `RegisterResponse`: with a code (enrolment) or the agent's token (after a database reset). */
  register: `${AGENT_API}/register`,
  /** POST `Heartbeat` → `HeartbeatResponse`. */
  heartbeat: `${AGENT_API}/heartbeat`,
  /** GET `?timeout_s=`: held open until a command is queued for the agent (`{"pending": true}`) or the time is up (`false`); then heartbeat. */
  commandsWait: `${AGENT_API}/commands/wait`,
  /** POST `CommandResult` for one command. */
  commandResult: (commandId: string) => `${AGENT_API}/commands/${encodeURIComponent(commandId)}/result`,
  /** POST `JobEventBatch`: log lines and progress of a job this agent runs. */
  jobEvents: (jobId: string) => `${AGENT_API}/jobs/${encodeURIComponent(jobId)}/events`,
  /** POST `JobFinish`: how the job ended. */
  jobFinish: (jobId: string) => `${AGENT_API}/jobs/${encodeURIComponent(jobId)}/finish`,
  /** PUT the results folder as a `.tar.gz` (`X-Kitt-Sha256`, `X-Kitt-Run-Id`); a retried upload of the same run stores nothing twice. */
  jobResults: (jobId: string) => `${AGENT_API}/jobs/${encodeURIComponent(jobId)}/results`,
} as const;

export const AGENT_TOKEN_PREFIX = "kitt_agent_";
/** A whole agent token: `kitt_agent_`, the agent's id, 256 bits of secret, the MAC (both base64url). */
export const AGENT_TOKEN_PATTERN = /^kitt_agent_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})_([A-Za-z0-9_-]{43})$/;
export const HEARTBEAT_INTERVAL_S = { default: 30, min: 10, max: 300 } as const;
/** Heartbeats missed before an agent is shown offline and its running job `lost`. */
export const MISSED_HEARTBEATS_OFFLINE = 3;

const AgentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '.', '-' (at most 64)");
const Id = z.string().min(1).max(128);

/** An engine the agent can start: its name, and the images or native binaries present. */
export const AgentEngineSchema = z.strictObject({
  engine: z.string().min(1).max(64),
  images: z.array(z.string().max(512)).max(64).default([]),
  native: z.boolean().default(false),
});

/** The agent's settings, set per agent from the UI and handed back with every heartbeat. */
export const AgentSettingsSchema = z.strictObject({
  heartbeat_interval_s: z.number().int().min(HEARTBEAT_INTERVAL_S.min).max(HEARTBEAT_INTERVAL_S.max).default(HEARTBEAT_INTERVAL_S.default),
  /** Delete a model copied from the share once its test ended. */
  auto_cleanup: z.boolean().default(true),
});

export const RegisterRequestSchema = z.strictObject({
  /** The enrolment code; absent when re-registering with the token after a database reset. */
  code: z.string().min(16).max(128).optional(),
  name: AgentName,
  kitt_version: z.string().max(64),
  /** The full hardware fingerprint (`hardware.json`'s content). */
  hardware: z.record(z.string(), z.unknown()),
  engines: z.array(AgentEngineSchema).max(32),
});

export const RegisterResponseSchema = z.strictObject({
  agent_id: Id,
  /** The agent's name on the server: the enrolment's when it named one, else the agent's own (absent from older servers). */
  name: z.string().max(64).optional(),
  /** Only on enrolment: the agent's token, shown this once. */
  token: z.string().startsWith(AGENT_TOKEN_PREFIX).optional(),
  settings: AgentSettingsSchema,
});

export const GpuStatusSchema = z.strictObject({
  index: z.number().int().min(0),
  memory_used_gb: z.number().min(0).optional(),
  memory_total_gb: z.number().min(0).optional(),
  utilization_pct: z.number().min(0).max(100).optional(),
});

export const HeartbeatSchema = z.strictObject({
  status: z.enum(["idle", "busy"]),
  /** The job the agent is running, if any. */
  running_job: Id.nullable(),
  gpus: z.array(GpuStatusSchema).max(64),
  free_model_storage_gb: z.number().min(0).nullable(),
  kitt_version: z.string().max(64),
});

export const AgentCommandSchema = z.discriminatedUnion("type", [
  /** Run a quick test: the same request as `POST /api/v1/jobs`. */
  z.strictObject({ type: z.literal("run_test"), command_id: Id, job_id: Id, request: JobRequestSchema }),
  /** Stop a running test exactly like Ctrl+C (engine removed, results kept); the job ends `cancelled`. */
  z.strictObject({ type: z.literal("stop"), command_id: Id, job_id: Id }),
  z.strictObject({ type: z.literal("check_docker"), command_id: Id }),
  /** `kitt engines setup ENGINE`. */
  z.strictObject({ type: z.literal("setup_engine"), command_id: Id, engine: z.string().min(1).max(64) }),
  /** Delete one copied model (a path relative to the model directory) or, without `model`, every copied model. */
  z.strictObject({ type: z.literal("cleanup_storage"), command_id: Id, model: z.string().min(1).max(1024).optional() }),
]);
export type AgentCommand = z.infer<typeof AgentCommandSchema>;

/** Commands handed out per heartbeat, at most. */
export const MAX_COMMANDS_PER_HEARTBEAT = 4;

export const HeartbeatResponseSchema = z.strictObject({
  commands: z.array(AgentCommandSchema).max(MAX_COMMANDS_PER_HEARTBEAT),
  settings: AgentSettingsSchema,
});

/** How long a `commands/wait` may be held open, in seconds. */
export const COMMANDS_WAIT_S = { default: 25, max: 60 } as const;

export const CommandsWaitResponseSchema = z.strictObject({ pending: z.boolean() });

export const CommandResultSchema = z.strictObject({
  ok: z.boolean(),
  /** What the command printed or why it failed, cut to 64 KiB. */
  output: z.string().max(65_536).default(""),
});

/** One event of a job, numbered by the agent from 1 so a batch sent twice is taken once. */
export const AgentJobEventSchema = z.discriminatedUnion("type", [
  z.strictObject({ seq: z.number().int().min(1), type: z.literal("log"), stream: z.enum(["stdout", "stderr"]), line: z.string().max(4096) }),
  z.strictObject({
    seq: z.number().int().min(1),
    type: z.literal("progress"),
    test: z.string().max(256),
    phase: z.string().max(64),
    completed: z.number().min(0),
    total: z.number().min(0),
    failed: z.number().min(0),
    message: z.string().max(4096).optional(),
  }),
  z.strictObject({ seq: z.number().int().min(1), type: z.literal("run"), run_id: Id }),
]);
export type AgentJobEvent = z.infer<typeof AgentJobEventSchema>;

export const JobEventBatchSchema = z.strictObject({ events: z.array(AgentJobEventSchema).min(1).max(1000) });

export const JobFinishSchema = z.strictObject({
  status: z.enum(["completed", "failed", "cancelled", "interrupted"]),
  exit_code: z.number().int().nullable(),
  error: z.string().max(4096).nullable(),
  run_id: Id.nullable(),
});

/** How the server answers a token it issued but holds no agent for: re-register. */
export const UNKNOWN_AGENT = "unknown_agent";
