/**
 * Commands queued for an agent: handed out oldest first with its heartbeats (each once), then
 * answered by the agent with how they went.
 */
import { randomUUID } from "node:crypto";
import type { JsonValue } from "../json.js";
import type { ResultsStore } from "./results-store.js";
import { writeTransaction, type StoreWriter } from "./write-transaction.js";

export interface QueuedCommand {
  id: string;
  type: string;
  /** The command's fields besides its type and id. */
  payload: { [key: string]: JsonValue };
  job_id: string | null;
}

let lastCreatedAt = 0;

/** Strictly increasing within this process, so commands queued in one millisecond keep their order. */
function nextCreatedAt(): number {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
  return lastCreatedAt;
}

export async function queueCommand(tx: StoreWriter, command: { agentId: string; type: string; payload: { [key: string]: JsonValue }; jobId?: string }): Promise<string> {
  const id = randomUUID();
  await tx
    .insertInto("agent_commands")
    .values({
      id,
      agent_id: command.agentId,
      type: command.type,
      payload: JSON.stringify(command.payload),
      job_id: command.jobId ?? null,
      created_at: nextCreatedAt(),
      delivered_at: null,
      finished_at: null,
      ok: null,
      output: null,
    })
    .execute();
  return id;
}

/** Queues a command outside any other transaction. */
export async function queueAgentCommand(store: ResultsStore, command: { agentId: string; type: string; payload: { [key: string]: JsonValue } }): Promise<string> {
  return writeTransaction(store.db, store.dialect, (tx) => queueCommand(tx, command));
}

/** A command with how it went, as people see it. */
export interface CommandRecord extends QueuedCommand {
  created_at: number;
  delivered_at: number | null;
  finished_at: number | null;
  ok: boolean | null;
  output: string | null;
}

/** The agent's latest commands, newest first. */
export async function listAgentCommands(store: ResultsStore, agentId: string, limit: number): Promise<CommandRecord[]> {
  const rows = await store.db.selectFrom("agent_commands").selectAll().where("agent_id", "=", agentId).orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
  const nullable = (value: number | null): number | null => (value === null ? null : Number(value));
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    payload: JSON.parse(row.payload) as QueuedCommand["payload"],
    job_id: row.job_id,
    created_at: Number(row.created_at),
    delivered_at: nullable(row.delivered_at),
    finished_at: nullable(row.finished_at),
    ok: row.ok === null ? null : Number(row.ok) === 1,
    output: row.output,
  }));
}

/** Undelivered commands read per heartbeat, of which at most `max` are handed out. */
const CANDIDATES = 64;

/**
 * Up to `max` undelivered commands of the agent, oldest first, marked delivered. An agent runs
 * one test at a time (it counts itself busy from the moment it takes one), so a `run_test` goes
 * out only to an agent whose heartbeat says it is idle, and at most one per heartbeat; the
 * others wait, in order, while the commands behind them go out. Only the rows this call
 * marked are handed out: on PostgreSQL a heartbeat at the same time may have read the same rows,
 * and its update, waiting for ours, then finds them delivered.
 */
export async function takeCommands(tx: StoreWriter, agentId: string, max: number, now: number, options: { agentBusy: boolean }): Promise<QueuedCommand[]> {
  const rows = await tx
    .selectFrom("agent_commands")
    .select(["id", "type", "payload", "job_id"])
    .where("agent_id", "=", agentId)
    .where("delivered_at", "is", null)
    .orderBy("created_at")
    .orderBy("id")
    .limit(CANDIDATES)
    .execute();
  let testAllowed = !options.agentBusy;
  const chosen = rows.filter((row) => {
    if (row.type !== "run_test") return true;
    const allowed = testAllowed;
    testAllowed = false;
    return allowed;
  });
  if (chosen.length === 0) return [];
  const marked = await tx
    .updateTable("agent_commands")
    .set({ delivered_at: now })
    .where("id", "in", chosen.slice(0, max).map((row) => row.id))
    .where("delivered_at", "is", null)
    .returning("id")
    .execute();
  const taken = new Set(marked.map((row) => row.id));
  return chosen.filter((row) => taken.has(row.id)).map((row) => ({ id: row.id, type: row.type, payload: JSON.parse(row.payload) as QueuedCommand["payload"], job_id: row.job_id }));
}

/** Whether the agent's next heartbeat would be handed a command (a `run_test` only while it said it was idle). */
export async function hasDeliverableCommands(store: ResultsStore, agentId: string): Promise<boolean> {
  const row = await store.db
    .selectFrom("agent_commands")
    .innerJoin("agents", "agents.id", "agent_commands.agent_id")
    .select("agent_commands.id")
    .where("agent_commands.agent_id", "=", agentId)
    .where("agent_commands.delivered_at", "is", null)
    .where((eb) => eb.or([eb("agent_commands.type", "!=", "run_test"), eb.and([eb("agents.status", "=", "idle"), eb("agents.running_job", "is", null)])]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Records how the agent's command went; a `run_test` that failed before its job started fails
 * the job. Undefined when the agent has no such delivered command.
 */
export async function finishCommand(store: ResultsStore, agentId: string, commandId: string, result: { ok: boolean; output: string }, now = Date.now()): Promise<QueuedCommand | undefined> {
  return writeTransaction(store.db, store.dialect, async (tx) => {
    const row = await tx
      .selectFrom("agent_commands")
      .select(["id", "type", "payload", "job_id"])
      .where("id", "=", commandId)
      .where("agent_id", "=", agentId)
      .where("delivered_at", "is not", null)
      .executeTakeFirst();
    if (!row) return undefined;
    await tx.updateTable("agent_commands").set({ finished_at: now, ok: result.ok ? 1 : 0, output: result.output }).where("id", "=", commandId).execute();
    if (row.type === "run_test" && !result.ok && row.job_id !== null) {
      const error = result.output.trim().split("\n").at(-1) || "the agent could not start the test";
      await tx.updateTable("jobs").set({ status: "failed", error, finished_at: now }).where("id", "=", row.job_id).where("status", "=", "queued").execute();
    }
    return { id: row.id, type: row.type, payload: JSON.parse(row.payload) as QueuedCommand["payload"], job_id: row.job_id };
  });
}
