/**
 * When an agent counts as offline: silent for `MISSED_HEARTBEATS_OFFLINE` of its heartbeat
 * intervals (since its last heartbeat, or since it registered). `AgentMonitor` looks now and
 * then and marks such agents offline and their running jobs `lost`, counting silence only from
 * its own start: agents keep working while the server is down, and tell it once it is back.
 * Listings show silent agents offline at once, whether or not the monitor looked yet.
 */
import { describeError } from "../../errors.js";
import { markAgentsOffline, quietAgents, type AgentRecord } from "../../store/agents.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { JobEventHub } from "../jobs/job-event-hub.js";
import { getJob } from "../../store/jobs.js";
import { AgentSettingsSchema, HEARTBEAT_INTERVAL_S, MISSED_HEARTBEATS_OFFLINE } from "./agent-protocol.js";

const SWEEP_MS = 5000;

export type AgentSettings = ReturnType<typeof AgentSettingsSchema.parse>;

/** The agent's settings with defaults for anything missing or out of range. */
export function agentSettings(agent: Pick<AgentRecord, "settings">): AgentSettings {
  const parsed = AgentSettingsSchema.safeParse(agent.settings);
  return parsed.success ? parsed.data : AgentSettingsSchema.parse({});
}

/** Silent for too long, counting from `heardSince` at the earliest (when the server could first hear it). */
export function isSilent(agent: AgentRecord, now = Date.now(), heardSince = 0): boolean {
  const since = Math.max(agent.last_heartbeat_at ?? agent.created_at, heardSince);
  return now - since > MISSED_HEARTBEATS_OFFLINE * agentSettings(agent).heartbeat_interval_s * 1000;
}

/** The agent as shown: offline once silent, whatever its last heartbeat said. */
export function shownAgent(agent: AgentRecord, now = Date.now()): AgentRecord {
  return isSilent(agent, now) ? { ...agent, status: "offline", running_job: null } : agent;
}

export type AgentPresence = "online" | "offline" | "revoked";

/** How the pages sum an agent up: revoked, else offline as `shownAgent` says, else online (idle or busy). */
export function agentPresence(agent: AgentRecord, now = Date.now()): AgentPresence {
  if (agent.revoked_at !== null) return "revoked";
  return shownAgent(agent, now).status === "offline" ? "offline" : "online";
}

/** Marks silent agents offline and their running jobs lost (silence counted from `heardSince` at the earliest); returns the jobs marked. */
export async function sweepSilentAgents(store: ResultsStore, now = Date.now(), heardSince = 0): Promise<string[]> {
  // Read only those silent for the shortest interval's worth; most agents, heartbeating, are not.
  const quiet = await quietAgents(store, now - MISSED_HEARTBEATS_OFFLINE * HEARTBEAT_INTERVAL_S.min * 1000);
  const silent = quiet.filter((agent) => isSilent(agent, now, heardSince));
  return markAgentsOffline(
    store,
    silent.map((agent) => ({ id: agent.id, lastBeat: agent.last_heartbeat_at })),
    now,
  );
}

/** Sweeps every few seconds until closed, telling each lost job's viewers. */
export class AgentMonitor implements AsyncDisposable {
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private sweeping: Promise<void> = Promise.resolve();
  private lastFailure: string | undefined;

  constructor(
    private readonly store: ResultsStore,
    private readonly events: JobEventHub,
    everyMs = SWEEP_MS,
  ) {
    this.timer = setInterval(() => {
      this.sweeping = this.sweep();
    }, everyMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    try {
      for (const id of await sweepSilentAgents(this.store, Date.now(), this.startedAt)) {
        const job = await getJob(this.store, id);
        if (job) this.events.emit(id, { type: "status", job });
        this.events.ended(id);
      }
      this.lastFailure = undefined;
    } catch (error) {
      // Said once per outage, not once per sweep.
      const failure = describeError(error);
      if (failure !== this.lastFailure) process.stderr.write(`kitt web: cannot check the agents' heartbeats: ${failure}\n`);
      this.lastFailure = failure;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }
}
