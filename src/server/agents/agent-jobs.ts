/**
 * The server's side of jobs run by agents: queueing one for an agent (a `run_test` command),
 * cancelling it (a `stop` command), and taking what the agent reports — its events, each taken
 * once, into the job's log file and the same `JobEventHub` browsers watch, and its ending.
 */
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { KittError } from "../../errors.js";
import { agentJob, cancelAgentJob, createAgentJob, finishAgentJob, setAgentJobRun, takeJobEvents } from "../../store/agent-jobs.js";
import { getAgent, type AgentRecord } from "../../store/agents.js";
import type { JobRecord } from "../../store/jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { JobEventHub } from "../jobs/job-event-hub.js";
import type { JobRequest } from "../jobs/job-request.js";
import { QUICK_TEST_KIND } from "../jobs/job-runner.js";
import { queueCommandFor, type NewAgentCommand } from "./agent-admin.js";
import { AgentDoorbell } from "./agent-doorbell.js";
import type { AgentJobEvent } from "./agent-protocol.js";

export interface AgentJobEnd {
  status: "completed" | "failed" | "cancelled" | "interrupted";
  exit_code: number | null;
  error: string | null;
  run_id: string | null;
}

export class AgentJobs {
  /** Rung whenever a command is queued here, for agents waiting between heartbeats. */
  readonly doorbell = new AgentDoorbell();

  constructor(
    private readonly store: ResultsStore,
    private readonly events: JobEventHub,
    /** Where the jobs' log files go (the runner's `$KITT_HOME/jobs`). */
    private readonly jobsDir: string,
  ) {}

  /** Queues the request for the agent (the agent checks it against its own model directory). NOT_FOUND for no such agent, USAGE for a revoked one. */
  async submit(agentId: string, request: JobRequest): Promise<JobRecord> {
    const agent = await getAgent(this.store, agentId);
    if (!agent) throw new KittError("NOT_FOUND", `no agent ${agentId}`);
    if (agent.revoked_at !== null) throw new KittError("USAGE", `agent ${agent.name} is revoked`);
    const job = await createAgentJob(this.store, { agentId, kind: QUICK_TEST_KIND, request, logPath: (id) => this.logPath(id) });
    this.events.emit(job.id, { type: "status", job });
    this.doorbell.ring(agentId);
    return job;
  }

  /** Queues one of the commands people send (`check_docker`, `setup_engine`, `cleanup_storage`); USAGE for a revoked agent. */
  async queueCommand(agent: AgentRecord, command: NewAgentCommand): Promise<string> {
    const id = await queueCommandFor(this.store, agent, command);
    this.doorbell.ring(agent.id);
    return id;
  }

  async cancel(job: JobRecord): Promise<JobRecord> {
    const now = await cancelAgentJob(this.store, job);
    if (now.status === "cancelled" && job.status === "queued") this.ended(now);
    else if (job.assigned_to !== null) this.doorbell.ring(job.assigned_to);
    return now;
  }

  /** The agent's own job; NOT_FOUND for another agent's (their existence is not told). */
  async own(agentId: string, jobId: string): Promise<JobRecord> {
    const job = await agentJob(this.store, agentId, jobId);
    if (!job) throw new KittError("NOT_FOUND", `no job ${jobId} for this agent`);
    return job;
  }

  /** Takes a batch of the agent's events: new ones go to the log file and the job's viewers; repeats are dropped. Returns how many were new. */
  async take(agentId: string, jobId: string, batch: readonly AgentJobEvent[]): Promise<number> {
    const taken = await takeJobEvents(this.store, agentId, jobId, batch.map((event) => event.seq));
    if (!taken) throw new KittError("NOT_FOUND", `no job ${jobId} for this agent`);
    const { fresh, job, started } = taken;
    if (started) this.events.emit(job.id, { type: "status", job });
    const seen = new Set<number>();
    const lines: string[] = [];
    for (const event of [...batch].sort((a, b) => a.seq - b.seq)) {
      if (!fresh.has(event.seq) || seen.has(event.seq)) continue;
      seen.add(event.seq);
      if (event.type === "log") {
        lines.push(event.line);
        this.events.emit(job.id, { type: "log", stream: event.stream, line: event.line });
      } else if (event.type === "progress") {
        const { seq: _seq, ...progress } = event;
        this.events.emit(job.id, progress);
      } else {
        await setAgentJobRun(this.store, agentId, job.id, event.run_id);
        this.events.emit(job.id, { type: "run", run_id: event.run_id, results_dir: "" });
      }
    }
    if (lines.length > 0 && job.log_path !== null) {
      await mkdir(this.jobsDir, { recursive: true, mode: 0o700 });
      await appendFile(job.log_path, lines.map((line) => `${line}\n`).join(""), { mode: 0o600 });
    }
    return seen.size;
  }

  async finish(agentId: string, jobId: string, end: AgentJobEnd): Promise<JobRecord> {
    const job = await finishAgentJob(this.store, agentId, jobId, { status: end.status, exitCode: end.exit_code, error: end.error, runId: end.run_id });
    if (!job) throw new KittError("NOT_FOUND", `no job ${jobId} for this agent`);
    this.ended(job);
    return job;
  }

  private ended(job: JobRecord): void {
    this.events.emit(job.id, { type: "status", job });
    this.events.ended(job.id);
  }

  private logPath(id: string): string {
    return join(this.jobsDir, `${id}.log`);
  }
}
