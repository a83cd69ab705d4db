/**
 * The tables, as kysely sees them. Portable across SQLite and PostgreSQL: text ids, times as
 * epoch milliseconds, booleans as 0/1, JSON as text, binary as blob/bytea.
 */
import type { Generated } from "kysely";

export type RunStatus = "running" | "completed" | "failed" | "interrupted";
/** `run`: a `kitt run` suite; `serve`: a serving benchmark (`kitt bench serve` or vLLM's). */
export type RunKind = "run" | "serve";

export interface RunsTable {
  id: string;
  kind: RunKind;
  model: string;
  engine: string;
  engine_version: string | null;
  image_digest: string | null;
  suite: string;
  suite_version: string | null;
  runtime: string | null;
  started_at: number;
  finished_at: number | null;
  status: RunStatus;
  passed: number;
  stop_reason: string | null;
  kitt_version: string | null;
  /** config.json (or the serving load), as JSON text. */
  config: string;
  hardware_id: string | null;
  /** Who is writing a `running` run, so a dead writer's run can be marked interrupted. */
  owner_host: string | null;
  owner_pid: number | null;
  /** The writer's boot id, pid namespace and start time (`ownerToken`): a reused pid is not the writer. */
  owner_token: string | null;
  /** The folder or file a run was imported from. */
  source: string | null;
  /** The results folder a run recorded live writes, so a dead writer's folder is corrected too. */
  results_dir: string | null;
  /** sha256 of the run's files as stored (`contentHash`), once they are complete: imports of the same files find it. */
  content_hash: string | null;
}

export interface BenchmarksTable {
  id: string;
  run_id: string;
  /** Order within the run. */
  position: number;
  test_name: string;
  test_version: string;
  category: string;
  run_number: number;
  passed: number;
  partial: number;
  /** JSON array of strings. */
  errors: string;
  warmup_times: string;
  started_at: number | null;
  duration_seconds: number;
  /** The test's metrics as JSON text, less the per-request samples (kept in request_samples). */
  metrics_doc: string;
}

export interface MetricsTable {
  benchmark_id: string;
  run_id: string;
  name: string;
  value: number;
}

export interface RequestSamplesTable {
  benchmark_id: string;
  run_id: string;
  /** `metrics` for the samples split out of a test's metrics; a file name such as `requests.jsonl`. */
  name: string;
  /** `json`: gzip'd JSON object of sample arrays by key; `jsonl`: gzip'd requests.jsonl text. */
  format: string;
  count: number;
  data: Buffer;
}

export interface HardwareTable {
  /** sha256 of the fingerprint's canonical JSON. */
  id: string;
  fingerprint: string;
  first_seen_at: number;
}

export interface RawDocumentsTable {
  run_id: string;
  /** File name in a results folder: metrics.json, config.json, hardware.json, serve.json… */
  name: string;
  content: string;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

/** API tokens of `kitt web` (`kitt web token create`): only a SHA-256 hash of each is kept. */
export interface WebTokensTable {
  name: string;
  /** The token's first characters, so a person can tell tokens apart. */
  prefix: string;
  /** SHA-256 of the token, hex. */
  hash: string;
  created_at: number;
}

/** `lost`: its agent went silent while running it (final, like the other endings). */
export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled" | "interrupted" | "lost";

/**
 * Work queued through `kitt web` (a quick test today). `assigned_to` is null for the server's own
 * host, else the id of the agent that runs it. `owner_token` identifies the process running it,
 * so a restarted server can tell its dead jobs from another server's live ones.
 */
export interface JobsTable {
  id: string;
  kind: string;
  status: JobStatus;
  /** The job's request as JSON (model, engine, tests, runtime, options). */
  request: string;
  assigned_to: string | null;
  owner_token: string | null;
  /** 1 once someone asked to cancel; the runner that holds the job stops it. */
  cancel_requested: number;
  run_id: string | null;
  log_path: string | null;
  exit_code: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** An agent's job: the last event number taken, so a batch sent twice is taken once. */
  last_event_seq: Generated<number>;
  /** An agent's job: SHA-256 of its results upload, recorded before importing it (a retry of the same upload stores nothing twice). */
  results_sha256: string | null;
}

/** `kitt web`'s settings saved from the UI or API; a saved value wins over the environment. */
export interface WebSettingsTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: number;
}

export type AgentStatus = "idle" | "busy" | "offline";

/**
 * A GPU server enrolled as a kitt agent. Its token is kept only as SHA-256 (`token_hash`) and a
 * short prefix to tell tokens apart; JSON columns as text.
 */
export interface AgentsTable {
  id: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  /** The hardware fingerprint the agent registered with. */
  hardware: string;
  /** The engines and images it has (`AgentEngine[]`). */
  engines: string;
  kitt_version: string;
  /** `AgentSettings`. */
  settings: string;
  /** As the last heartbeat said; shown `offline` once silent for three heartbeat intervals. */
  status: AgentStatus;
  running_job: string | null;
  last_heartbeat_at: number | null;
  /** The last heartbeat's GPUs and free model storage. */
  last_status: string | null;
  created_at: number;
  revoked_at: number | null;
  /** Deleted agents stay as revoked rows, so their token cannot bring them back. */
  deleted_at: number | null;
}

/** A single-use enrolment code, kept as SHA-256 only. */
export interface AgentEnrolmentsTable {
  id: string;
  code_hash: string;
  /** The name the agent gets; the agent's own when null. */
  name: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  agent_id: string | null;
}

/** Work for an agent, handed out with its heartbeats. */
export interface AgentCommandsTable {
  id: string;
  agent_id: string;
  type: string;
  /** The command's fields besides its type and id, as JSON. */
  payload: string;
  job_id: string | null;
  created_at: number;
  delivered_at: number | null;
  finished_at: number | null;
  /** 1 or 0 once finished. */
  ok: number | null;
  output: string | null;
}

export interface StoreTables {
  runs: RunsTable;
  benchmarks: BenchmarksTable;
  metrics: MetricsTable;
  request_samples: RequestSamplesTable;
  hardware: HardwareTable;
  raw_documents: RawDocumentsTable;
  schema_migrations: SchemaMigrationsTable;
  web_tokens: WebTokensTable;
  jobs: JobsTable;
  web_settings: WebSettingsTable;
  agents: AgentsTable;
  agent_enrolments: AgentEnrolmentsTable;
  agent_commands: AgentCommandsTable;
}

