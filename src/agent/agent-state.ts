/**
 * `$KITT_HOME/agent/state.json`: the jobs this agent ran (newest last, the latest 200), with the
 * process of the one running, so that an agent restarted after a crash finds the job it left and
 * `kitt agent test list` can show them. Only the daemon writes it, one change at a time.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { describeError } from "../errors.js";
import { writeFileAtomic } from "./agent-config.js";

export const JOB_STATUSES = ["running", "completed", "failed", "cancelled", "interrupted"] as const;

const AgentJobSchema = z.object({
  job_id: z.string(),
  status: z.enum(JOB_STATUSES),
  engine: z.string(),
  model: z.string().nullable(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  run_id: z.string().nullable(),
  error: z.string().nullable(),
  /** The `kitt run` child while it runs, with its start time (/proc) so a reused pid is never taken for it. */
  pid: z.number().int().optional(),
  pid_start_time: z.string().optional(),
  /** The model this job copied from the share (relative to the model directory). */
  copied_model: z.string().optional(),
});
export type AgentJob = z.infer<typeof AgentJobSchema>;

const StateSchema = z.object({
  jobs: z.array(AgentJobSchema).default([]),
  last_heartbeat_at: z.string().nullable().default(null),
  last_problem: z.string().nullable().default(null),
});
export type AgentStateData = z.infer<typeof StateSchema>;

const KEEP_JOBS = 200;

export function agentStatePath(dir: string): string {
  return join(dir, "state.json");
}

/** The state as last written; empty when there is none, or when it cannot be read (said once on stderr). */
export async function readAgentState(dir: string): Promise<AgentStateData> {
  const path = agentStatePath(dir);
  try {
    return StateSchema.parse(JSON.parse(await readFile(path, "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") process.stderr.write(`kitt agent: ignoring the unreadable ${path}: ${describeError(error)}\n`);
    return StateSchema.parse({});
  }
}

export class AgentState {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private data: AgentStateData,
  ) {}

  static async open(dir: string): Promise<AgentState> {
    return new AgentState(dir, await readAgentState(dir));
  }

  get snapshot(): AgentStateData {
    return structuredClone(this.data);
  }

  get running(): AgentJob[] {
    return this.data.jobs.filter((job) => job.status === "running");
  }

  /** Applies `change` and writes the state; changes are written in the order they were made. */
  update(change: (data: AgentStateData) => void): Promise<void> {
    change(this.data);
    this.data.jobs = this.data.jobs.slice(-KEEP_JOBS);
    const text = JSON.stringify(this.data, null, 2);
    const written = this.writing.then(() => writeFileAtomic(agentStatePath(this.dir), text));
    this.writing = written.catch((error: unknown) => process.stderr.write(`kitt agent: cannot write ${agentStatePath(this.dir)}: ${describeError(error)}\n`));
    return written;
  }

  updateJob(jobId: string, change: Partial<AgentJob>): Promise<void> {
    return this.update((data) => {
      const job = data.jobs.find((candidate) => candidate.job_id === jobId);
      if (job) Object.assign(job, change);
    });
  }
}
