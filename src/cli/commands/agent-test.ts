/** `kitt agent test list|stop`: the jobs this agent ran, and stopping the running one like the server's `stop`. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { agentDir } from "../../agent/agent-config.js";
import { runningAgentPid, stopRequestName } from "../../agent/agent-daemon.js";
import { readAgentState } from "../../agent/agent-state.js";
import { KittError } from "../../errors.js";
import { textTable } from "../../report/text-table.js";
import type { AGENT_TEST_LIST_OPTIONS } from "../options/agent.js";
import type { OptionsInput } from "../options/table.js";
import { success } from "../ui.js";

const STOP_WAIT_MS = 120_000;

export async function agentTestListCommand(options: OptionsInput<typeof AGENT_TEST_LIST_OPTIONS>): Promise<void> {
  const jobs = (await readAgentState(agentDir())).jobs.filter((job) => options.status === undefined || job.status === options.status).reverse();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(jobs.map(({ pid: _pid, pid_start_time: _start, ...job }) => job), null, 2)}\n`);
    return;
  }
  if (jobs.length === 0) {
    process.stdout.write(`no jobs${options.status ? ` ${options.status}` : ""} on this agent\n`);
    return;
  }
  const table = textTable({ head: ["job", "status", "engine", "model", "started", "run", "error"] });
  for (const job of jobs) {
    table.push([job.job_id, job.status, job.engine, job.model ?? "", job.started_at.slice(0, 19).replace("T", " "), job.run_id?.slice(0, 8) ?? "", job.error ?? ""]);
  }
  process.stdout.write(`${table.toString()}\n`);
}

export async function agentTestStopCommand(id: string): Promise<void> {
  const dir = agentDir();
  const job = (await readAgentState(dir)).jobs.find((candidate) => candidate.job_id === id);
  if (job?.status !== "running") throw new KittError("NOT_FOUND", `job ${id} is not running on this agent${job ? ` (it is ${job.status})` : ""}`);
  if ((await runningAgentPid(dir)) === undefined) throw new KittError("NOT_FOUND", `no agent runs from ${dir}; 'kitt agent start' reports job ${id} interrupted`);
  await writeFile(join(dir, "stop-requests", stopRequestName(job.job_id)), "", { mode: 0o600 });
  for (let waited = 0; waited < STOP_WAIT_MS; waited += 500) {
    const now = (await readAgentState(dir)).jobs.find((candidate) => candidate.job_id === id);
    if (now && now.status !== "running") {
      success(`job ${id} ${now.status}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new KittError("INTERNAL", `job ${id} still runs ${STOP_WAIT_MS / 1000} s after the agent was asked to stop it`);
}
