/**
 * `kitt agent start|status|stop`: the daemon in the foreground until Ctrl+C or SIGTERM (the
 * running test stopped as `kitt run` stops), what it is doing, and stopping it through its pid file.
 */
import { join } from "node:path";
import { agentConfigPath, agentDir, loadAgentConfig } from "../../agent/agent-config.js";
import { AgentDaemon, runningAgentPid } from "../../agent/agent-daemon.js";
import { readAgentState } from "../../agent/agent-state.js";
import { Spool } from "../../agent/spool.js";
import { KittError } from "../../errors.js";
import { AGENT_TOKEN_PREFIX } from "../../server/agents/agent-protocol.js";
import { processStartTime } from "../../runtime/process-owner.js";
import { shutdownSignal } from "../../runtime/lifecycle.js";
import type { AGENT_STATUS_OPTIONS } from "../options/agent.js";
import type { OptionsInput } from "../options/table.js";
import { success } from "../ui.js";

/** kitt itself gives a stopped run 30 s to save; the agent gives it 20 s per signal. */
const STOP_GRACE_MS = 20_000;
const STOP_WAIT_MS = 90_000;

export async function agentStartCommand(): Promise<void> {
  await using daemon = await AgentDaemon.start({ stopGraceMs: STOP_GRACE_MS });
  const config = await loadAgentConfig();
  process.stdout.write(`kitt agent: ${config.name} (${daemon.agentId}) working for ${config.server}; Ctrl+C stops it\n`);
  const stopped = new Promise<void>((resolve) => {
    if (shutdownSignal.aborted) resolve();
    else shutdownSignal.addEventListener("abort", () => resolve(), { once: true });
  });
  await Promise.race([stopped, daemon.ended]);
  const end = await daemon.close();
  if (end.reason === "revoked") throw new KittError("AGENT_REVOKED", end.message);
  if (end.reason === "pin_mismatch") throw new KittError("TLS_PIN_MISMATCH", end.message);
}

export async function agentStatusCommand(options: OptionsInput<typeof AGENT_STATUS_OPTIONS>): Promise<void> {
  const config = await loadAgentConfig();
  const dir = agentDir();
  const state = await readAgentState(dir);
  const pid = await runningAgentPid(dir);
  const spooled = await Spool.pendingCount(join(dir, "spool"));
  const running = state.jobs.filter((job) => job.status === "running").map((job) => job.job_id);
  const status = {
    name: config.name,
    agent_id: config.agent_id,
    server: config.server,
    // `kitt_agent_<id>_`: the id only, never a character of the secret.
    token: `${AGENT_TOKEN_PREFIX}${config.agent_id}_…`,
    model_dir: config.model_dir,
    heartbeat_interval_s: config.settings.heartbeat_interval_s,
    daemon_pid: pid ?? null,
    running_jobs: running,
    last_heartbeat_at: state.last_heartbeat_at,
    last_problem: state.last_problem,
    spooled_items: spooled,
    config: agentConfigPath(),
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  const lines = [
    `agent     ${status.name} (${status.agent_id}), token ${status.token}`,
    `server    ${status.server}, heartbeat every ${status.heartbeat_interval_s} s, last ${status.last_heartbeat_at ?? "never"}`,
    `daemon    ${pid === undefined ? "not running ('kitt agent start')" : `running, pid ${pid}`}`,
    `job       ${running.length === 0 ? "none" : running.join(", ")}`,
    `spooled   ${spooled} item(s) not yet delivered`,
    ...(status.last_problem ? [`problem   ${status.last_problem}`] : []),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

export async function agentStopCommand(): Promise<void> {
  const dir = agentDir();
  const pid = await runningAgentPid(dir);
  if (pid === undefined) throw new KittError("NOT_FOUND", `no agent runs from ${dir}`);
  const startTime = processStartTime(pid);
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < STOP_WAIT_MS; waited += 250) {
    if (processStartTime(pid) !== startTime) {
      success(`agent stopped (pid ${pid})`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new KittError("INTERNAL", `the agent (pid ${pid}) still runs ${STOP_WAIT_MS / 1000} s after SIGTERM`);
}
