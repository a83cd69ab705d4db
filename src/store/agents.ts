/**
 * Enrolled agents and their enrolment codes. A code is single-use and expires; trading it for an
 * agent happens in one transaction, so two registrations with one code make one agent. Tokens
 * and codes arrive here already hashed: the store never sees them in clear.
 */
import { randomUUID } from "node:crypto";
import { sql, type Selectable } from "kysely";
import type { JsonValue } from "../json.js";
import type { ResultsStore } from "./results-store.js";
import type { AgentsTable, AgentStatus } from "./schema.js";
import { takeCommands, type QueuedCommand } from "./agent-commands.js";
import { startAgentJob } from "./agent-jobs.js";
import { writeTransaction } from "./write-transaction.js";

export type { AgentStatus } from "./schema.js";

/** An agent as the API shows it: JSON columns parsed, no token hash. */
export interface AgentRecord {
  id: string;
  name: string;
  token_prefix: string;
  hardware: JsonValue;
  engines: JsonValue;
  kitt_version: string;
  settings: JsonValue;
  status: AgentStatus;
  running_job: string | null;
  last_heartbeat_at: number | null;
  last_status: JsonValue;
  created_at: number;
  revoked_at: number | null;
}

/** What the token check needs of an agent's row. */
export interface AgentCredential {
  id: string;
  token_hash: string;
  revoked: boolean;
}

/** What an agent says about itself when it registers. */
export interface AgentRegistration {
  name: string;
  hardware: JsonValue;
  engines: JsonValue;
  kitt_version: string;
}

export interface EnrolmentRecord {
  id: string;
  name: string | null;
  created_at: number;
  expires_at: number;
}

export interface AgentToken {
  hash: string;
  prefix: string;
}

export async function createEnrolment(store: ResultsStore, enrolment: { codeHash: string; name?: string; ttlMs: number; now?: number }): Promise<EnrolmentRecord> {
  const now = enrolment.now ?? Date.now();
  const row = { id: randomUUID(), code_hash: enrolment.codeHash, name: enrolment.name ?? null, created_at: now, expires_at: now + enrolment.ttlMs, used_at: null, agent_id: null };
  await writeTransaction(store.db, store.dialect, (tx) => tx.insertInto("agent_enrolments").values(row).execute());
  return { id: row.id, name: row.name, created_at: row.created_at, expires_at: row.expires_at };
}

/** True while the code is unused and unexpired (install script, package). */
export async function enrolmentValid(store: ResultsStore, codeHash: string, now = Date.now()): Promise<boolean> {
  const row = await store.db
    .selectFrom("agent_enrolments")
    .select("id")
    .where("code_hash", "=", codeHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Uses the code (once) to create an agent with `id` and the token's hash; undefined when the code
 * is unknown, used or expired. The enrolment's name, when it has one, wins over the agent's.
 */
export async function enrolAgent(
  store: ResultsStore,
  enrolment: { codeHash: string; id: string; token: AgentToken; registration: AgentRegistration; settings: JsonValue; now?: number },
): Promise<AgentRecord | undefined> {
  const now = enrolment.now ?? Date.now();
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const code = await tx
      .selectFrom("agent_enrolments")
      .select(["id", "name"])
      .where("code_hash", "=", enrolment.codeHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (!code) return undefined;
    const used = await tx.updateTable("agent_enrolments").set({ used_at: now, agent_id: enrolment.id }).where("id", "=", code.id).where("used_at", "is", null).executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return undefined;
    const row = newAgentRow(enrolment.id, enrolment.token, { ...enrolment.registration, name: code.name ?? enrolment.registration.name }, enrolment.settings, now);
    await tx.insertInto("agents").values(row).execute();
    return toAgentRecord(row);
  });
}

/** After a database reset: the agent's row again, under its own id and its token's hash. */
export async function restoreAgent(store: ResultsStore, agent: { id: string; token: AgentToken; registration: AgentRegistration; settings: JsonValue }): Promise<AgentRecord> {
  const row = newAgentRow(agent.id, agent.token, agent.registration, agent.settings, Date.now());
  await writeTransaction(store.db, store.dialect, (tx) => tx.insertInto("agents").values(row).execute());
  return toAgentRecord(row);
}

/** A registered agent registering again (restarted): its hardware, engines and version as it says now. */
export async function updateRegistration(store: ResultsStore, id: string, registration: AgentRegistration): Promise<AgentRecord | undefined> {
  await writeTransaction(store.db, store.dialect, (tx) =>
    tx
      .updateTable("agents")
      .set({ hardware: JSON.stringify(registration.hardware), engines: JSON.stringify(registration.engines), kitt_version: registration.kitt_version })
      .where("id", "=", id)
      .execute(),
  );
  return getAgent(store, id);
}

export async function agentCredential(store: ResultsStore, id: string): Promise<AgentCredential | undefined> {
  const row = await store.db.selectFrom("agents").select(["id", "token_hash", "revoked_at"]).where("id", "=", id).executeTakeFirst();
  return row && { id: row.id, token_hash: row.token_hash, revoked: row.revoked_at !== null };
}

/** Agents not deleted, by name. */
export async function listAgents(store: ResultsStore): Promise<AgentRecord[]> {
  const rows = await store.db.selectFrom("agents").selectAll().where("deleted_at", "is", null).orderBy("name").orderBy("id").execute();
  return rows.map(toAgentRecord);
}

/**
 * Agents that may have gone silent: not offline, revoked or deleted, and with no heartbeat (or,
 * without one, no registration) since `before`. Indexless, but it reads only the few such rows.
 */
export async function quietAgents(store: ResultsStore, before: number): Promise<AgentRecord[]> {
  const rows = await store.db
    .selectFrom("agents")
    .selectAll()
    .where("deleted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("status", "!=", "offline")
    .where((eb) => eb(eb.fn.coalesce("last_heartbeat_at", "created_at"), "<", before))
    .execute();
  return rows.map(toAgentRecord);
}

export async function getAgent(store: ResultsStore, id: string): Promise<AgentRecord | undefined> {
  const row = await store.db.selectFrom("agents").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
  return row && toAgentRecord(row);
}

export async function setAgentSettings(store: ResultsStore, id: string, settings: JsonValue): Promise<AgentRecord | undefined> {
  await writeTransaction(store.db, store.dialect, (tx) => tx.updateTable("agents").set({ settings: JSON.stringify(settings) }).where("id", "=", id).where("deleted_at", "is", null).execute());
  return getAgent(store, id);
}

/** A new token for an agent not revoked; the old one stops working at once. False for no such agent. */
export async function replaceAgentToken(store: ResultsStore, id: string, token: AgentToken): Promise<boolean> {
  const result = await writeTransaction(store.db, store.dialect, (tx) =>
    tx.updateTable("agents").set({ token_hash: token.hash, token_prefix: token.prefix }).where("id", "=", id).where("revoked_at", "is", null).where("deleted_at", "is", null).executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) === 1;
}

/** Refuses the agent's token from now on; its undelivered commands are dropped. False for no such agent. */
export async function revokeAgent(store: ResultsStore, id: string, now = Date.now()): Promise<boolean> {
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const agent = await tx.selectFrom("agents").select(["revoked_at"]).where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
    if (!agent) return false;
    if (agent.revoked_at === null) await tx.updateTable("agents").set({ revoked_at: now }).where("id", "=", id).execute();
    await tx.deleteFrom("agent_commands").where("agent_id", "=", id).where("delivered_at", "is", null).execute();
    return true;
  });
}

/** Revokes and hides the agent; the row stays so that its token never registers it again. */
export async function deleteAgent(store: ResultsStore, id: string, now = Date.now()): Promise<boolean> {
  if (!(await revokeAgent(store, id, now))) return false;
  await writeTransaction(store.db, store.dialect, (tx) => tx.updateTable("agents").set({ deleted_at: now }).where("id", "=", id).execute());
  return true;
}

/** What a heartbeat tells about the agent. */
export interface AgentBeat {
  status: "idle" | "busy";
  running_job: string | null;
  kitt_version: string;
  last_status: JsonValue;
}

/**
 * Records a heartbeat and hands out up to `maxCommands` queued commands (each once). A queued job
 * the agent says it runs becomes `running`. A heartbeat comes every few seconds from every agent,
 * so the usual one (no job to start, nothing queued) is a single update, which also answers the
 * settings and whether commands wait; only handing commands out takes a write transaction.
 */
export async function recordBeat(store: ResultsStore, id: string, beat: AgentBeat, maxCommands: number, now = Date.now()): Promise<BeatAnswer> {
  const agent = await store.db
    .updateTable("agents")
    .set({ status: beat.status, running_job: beat.running_job, kitt_version: beat.kitt_version, last_status: JSON.stringify(beat.last_status), last_heartbeat_at: now })
    .where("id", "=", id)
    // On PostgreSQL this statement's commit does not wait for the WAL to reach the disk (the
    // setting holds for its own transaction only): a crash may lose the last fraction of a second
    // of heartbeats, which the next ones replace, and nothing else. Commands are handed out in a
    // transaction of their own, durably.
    .$if(store.dialect === "postgres", (update) => update.where(sql<boolean>`set_config('synchronous_commit', 'off', true) = 'off'`))
    .returning((eb) => [
      "settings",
      eb.exists(eb.selectFrom("agent_commands").select("agent_commands.id").whereRef("agent_commands.agent_id", "=", "agents.id").where("agent_commands.delivered_at", "is", null)).as("pending"),
    ])
    .executeTakeFirstOrThrow();
  const started = beat.running_job !== null && (await startAgentJob(store.db, id, beat.running_job, now));
  // SQLite answers the EXISTS as 0 or 1, PostgreSQL as a boolean.
  const commands = agent.pending ? await writeTransaction(store.db, store.dialect, (tx) => takeCommands(tx, id, maxCommands, now, { agentBusy: beat.status === "busy" || beat.running_job !== null })) : [];
  return { commands, settings: JSON.parse(agent.settings) as JsonValue, started: started ? beat.running_job : null };
}

export interface BeatAnswer {
  commands: QueuedCommand[];
  settings: JsonValue;
  /** The job this heartbeat moved from queued to running. */
  started: string | null;
}

/**
 * Marks agents silent since `lastBeat` offline and their running jobs `lost`; an agent that
 * beat since (its `last_heartbeat_at` moved) is left alone. Returns the jobs marked lost.
 */
export async function markAgentsOffline(store: ResultsStore, agents: ReadonlyArray<{ id: string; lastBeat: number | null }>, now = Date.now()): Promise<string[]> {
  const lost: string[] = [];
  for (const agent of agents) {
    await writeTransaction(store.db, store.dialect, async (tx) => {
      let update = tx.updateTable("agents").set({ status: "offline", running_job: null }).where("id", "=", agent.id);
      update = agent.lastBeat === null ? update.where("last_heartbeat_at", "is", null) : update.where("last_heartbeat_at", "=", agent.lastBeat);
      const marked = await update.executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return;
      const jobs = await tx.selectFrom("jobs").select("id").where("assigned_to", "=", agent.id).where("status", "=", "running").execute();
      if (jobs.length === 0) return;
      const ids = jobs.map((job) => job.id);
      await tx
        .updateTable("jobs")
        .set({ status: "lost", error: "the agent running this job stopped answering", finished_at: now })
        .where("id", "in", ids)
        .where("status", "=", "running")
        .execute();
      lost.push(...ids);
    });
  }
  return lost;
}

function newAgentRow(id: string, token: AgentToken, registration: AgentRegistration, settings: JsonValue, now: number): Selectable<AgentsTable> {
  return {
    id,
    name: registration.name,
    token_hash: token.hash,
    token_prefix: token.prefix,
    hardware: JSON.stringify(registration.hardware),
    engines: JSON.stringify(registration.engines),
    kitt_version: registration.kitt_version,
    settings: JSON.stringify(settings),
    status: "idle",
    running_job: null,
    last_heartbeat_at: null,
    last_status: null,
    created_at: now,
    revoked_at: null,
    deleted_at: null,
  };
}

function toAgentRecord(row: Selectable<AgentsTable>): AgentRecord {
  const nullable = (value: number | null): number | null => (value === null ? null : Number(value));
  return {
    id: row.id,
    name: row.name,
    token_prefix: row.token_prefix,
    hardware: JSON.parse(row.hardware) as JsonValue,
    engines: JSON.parse(row.engines) as JsonValue,
    kitt_version: row.kitt_version,
    settings: JSON.parse(row.settings) as JsonValue,
    status: row.status,
    running_job: row.running_job,
    last_heartbeat_at: nullable(row.last_heartbeat_at),
    last_status: row.last_status === null ? null : (JSON.parse(row.last_status) as JsonValue),
    created_at: Number(row.created_at),
    revoked_at: nullable(row.revoked_at),
  };
}
