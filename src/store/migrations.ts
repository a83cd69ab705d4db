/**
 * The schema's versions, shared by SQLite and PostgreSQL. Each migration runs once, in order,
 * inside the migrating transaction; `schema_migrations` records which ran. Never edit a
 * released migration: add the next one.
 */
import type { Kysely } from "kysely";
import type { StoreDialect } from "./connection.js";

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void>;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    async up(db, dialect) {
      const blob = dialect === "postgres" ? "bytea" : "blob";
      await db.schema
        .createTable("hardware")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("fingerprint", "text", (c) => c.notNull())
        .addColumn("first_seen_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("engine", "text", (c) => c.notNull())
        .addColumn("engine_version", "text")
        .addColumn("image_digest", "text")
        .addColumn("suite", "text", (c) => c.notNull())
        .addColumn("suite_version", "text")
        .addColumn("runtime", "text")
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("passed", "integer", (c) => c.notNull())
        .addColumn("stop_reason", "text")
        .addColumn("kitt_version", "text")
        .addColumn("config", "text", (c) => c.notNull())
        .addColumn("hardware_id", "text", (c) => c.references("hardware.id"))
        .addColumn("owner_host", "text")
        .addColumn("owner_pid", "integer")
        .addColumn("source", "text")
        .execute();
      for (const column of ["model", "engine", "suite", "status"]) {
        await db.schema.createIndex(`runs_${column}_started_at`).on("runs").columns([column, "started_at"]).execute();
      }
      await db.schema.createIndex("runs_started_at").on("runs").column("started_at").execute();
      await db.schema
        .createTable("benchmarks")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("test_name", "text", (c) => c.notNull())
        .addColumn("test_version", "text", (c) => c.notNull())
        .addColumn("category", "text", (c) => c.notNull())
        .addColumn("run_number", "integer", (c) => c.notNull())
        .addColumn("passed", "integer", (c) => c.notNull())
        .addColumn("partial", "integer", (c) => c.notNull())
        .addColumn("errors", "text", (c) => c.notNull())
        .addColumn("warmup_times", "text", (c) => c.notNull())
        .addColumn("started_at", "bigint")
        .addColumn("duration_seconds", "double precision", (c) => c.notNull())
        .addColumn("metrics_doc", "text", (c) => c.notNull())
        .addUniqueConstraint("benchmarks_run_position", ["run_id", "position"])
        .execute();
      await db.schema
        .createTable("metrics")
        .addColumn("benchmark_id", "text", (c) => c.notNull().references("benchmarks.id").onDelete("cascade"))
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("value", "double precision", (c) => c.notNull())
        .addPrimaryKeyConstraint("metrics_pk", ["benchmark_id", "name"])
        .execute();
      await db.schema.createIndex("metrics_run_name").on("metrics").columns(["run_id", "name"]).execute();
      await db.schema
        .createTable("request_samples")
        .addColumn("benchmark_id", "text", (c) => c.notNull().references("benchmarks.id").onDelete("cascade"))
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("format", "text", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addColumn("data", blob, (c) => c.notNull())
        .addPrimaryKeyConstraint("request_samples_pk", ["benchmark_id", "name"])
        .execute();
      await db.schema.createIndex("request_samples_run").on("request_samples").column("run_id").execute();
      await db.schema
        .createTable("raw_documents")
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("content", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("raw_documents_pk", ["run_id", "name"])
        .execute();
    },
  },
  {
    version: 2,
    name: "run_folders",
    async up(db) {
      await db.schema.alterTable("runs").addColumn("results_dir", "text").execute();
      await db.schema.alterTable("runs").addColumn("content_hash", "text").execute();
      await db.schema.createIndex("runs_content_hash").on("runs").column("content_hash").execute();
    },
  },
  {
    version: 3,
    name: "run_owner_identity",
    async up(db) {
      await db.schema.alterTable("runs").addColumn("owner_token", "text").execute();
    },
  },
  {
    version: 4,
    name: "web_tokens",
    async up(db) {
      await db.schema
        .createTable("web_tokens")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("prefix", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  {
    version: 5,
    name: "jobs",
    async up(db) {
      await db.schema
        .createTable("jobs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("request", "text", (c) => c.notNull())
        .addColumn("assigned_to", "text")
        .addColumn("owner_token", "text")
        .addColumn("cancel_requested", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("run_id", "text")
        .addColumn("log_path", "text")
        .addColumn("exit_code", "integer")
        .addColumn("error", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("started_at", "bigint")
        .addColumn("finished_at", "bigint")
        .execute();
      await db.schema.createIndex("jobs_status").on("jobs").columns(["status", "created_at"]).execute();
    },
  },
  {
    version: 6,
    name: "web_settings",
    async up(db) {
      await db.schema
        .createTable("web_settings")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  {
    version: 7,
    name: "agents",
    async up(db) {
      await db.schema
        .createTable("agents")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("token_prefix", "text", (c) => c.notNull())
        .addColumn("hardware", "text", (c) => c.notNull())
        .addColumn("engines", "text", (c) => c.notNull())
        .addColumn("kitt_version", "text", (c) => c.notNull())
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("running_job", "text")
        .addColumn("last_heartbeat_at", "bigint")
        .addColumn("last_status", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("revoked_at", "bigint")
        .addColumn("deleted_at", "bigint")
        .execute();
      await db.schema
        .createTable("agent_enrolments")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("code_hash", "text", (c) => c.notNull().unique())
        .addColumn("name", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .addColumn("agent_id", "text")
        .execute();
      await db.schema
        .createTable("agent_commands")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("agent_id", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("job_id", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("delivered_at", "bigint")
        .addColumn("finished_at", "bigint")
        .addColumn("ok", "integer")
        .addColumn("output", "text")
        .execute();
      await db.schema.createIndex("agent_commands_pending").on("agent_commands").columns(["agent_id", "delivered_at", "created_at"]).execute();
      await db.schema.alterTable("jobs").addColumn("last_event_seq", "integer", (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable("jobs").addColumn("results_sha256", "text").execute();
      await db.schema.createIndex("jobs_assigned_to").on("jobs").columns(["assigned_to", "status"]).execute();
    },
  },
];

export const latestSchemaVersion = migrations.at(-1)?.version ?? 0;
