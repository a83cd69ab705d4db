/**
 * `kitt agent service install|uninstall|status`: the agent as a systemd service that starts at
 * boot (a system service for root, else a user service) and restarts when it fails. The unit
 * directory and `systemctl` are parameters, so the same code runs against a temp folder and a
 * recording in tests.
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { KittError } from "../errors.js";
import { writeFileAtomically } from "../fs/atomic-file.js";
import { lastOutputLine, type HostCommand, type HostCommandResult } from "./host-command.js";

export const AGENT_UNIT = "kitt-agent.service";

export type ServiceScope = "user" | "system";

/** root gets a system service; anyone else a user service. */
export function serviceScope(uid = process.getuid?.() ?? -1): ServiceScope {
  return uid === 0 ? "system" : "user";
}

export function unitDirectory(scope: ServiceScope, env: NodeJS.ProcessEnv = process.env): string {
  if (scope === "system") return "/etc/systemd/system";
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "systemd", "user");
}

export interface AgentUnitOptions {
  scope: ServiceScope;
  /** Absolute path of the node binary (`process.execPath`). */
  nodePath: string;
  /** Absolute path of kitt's `dist/cli/bin.js` in the agent prefix. */
  kittBin: string;
  /** The agent's KITT_HOME. */
  kittHome: string;
  restartSec?: number;
  /** Exit codes that mean "do not start again" (a revoked token): Restart=on-failure skips them. */
  noRestartExitCodes?: readonly number[];
}

/** One ExecStart/Environment word: quoted, with systemd's specifiers (`%`) and variables (`$`) escaped. */
function quote(word: string): string {
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

function checkPath(what: string, path: string): void {
  const control = [...path].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
  if (!isAbsolute(path) || control) throw new KittError("USAGE", `the service needs an absolute ${what} path without control characters, not '${path}'`);
}

export function agentUnitText(options: AgentUnitOptions): string {
  checkPath("node", options.nodePath);
  checkPath("kitt", options.kittBin);
  checkPath("KITT_HOME", options.kittHome);
  const system = options.scope === "system";
  const lines = [
    "[Unit]",
    "Description=kitt agent: runs the tests its kitt web server sends",
    ...(system ? ["Wants=network-online.target", "After=network-online.target docker.service"] : []),
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${[options.nodePath, options.kittBin, "agent", "start"].map(quote).join(" ")}`,
    `Environment=${quote(`KITT_HOME=${options.kittHome}`)}`,
    "Restart=on-failure",
    `RestartSec=${options.restartSec ?? 10}`,
    ...(options.noRestartExitCodes?.length ? [`RestartPreventExitStatus=${options.noRestartExitCodes.join(" ")}`] : []),
    // SIGTERM to the agent alone, which stops its test's engine in order; the rest only after the timeout.
    "KillMode=mixed",
    "TimeoutStopSec=60",
    "",
    "[Install]",
    `WantedBy=${system ? "multi-user.target" : "default.target"}`,
    "",
  ];
  return lines.join("\n");
}

export interface ServiceHost {
  scope: ServiceScope;
  /** Where unit files go: `unitDirectory(scope)` on a real host. */
  unitDir: string;
  /** Runs `systemctl`. */
  run: HostCommand;
}

function systemctlArgs(host: ServiceHost, args: readonly string[]): string[] {
  return [...(host.scope === "user" ? ["--user"] : []), ...args];
}

async function systemctl(host: ServiceHost, args: readonly string[]): Promise<HostCommandResult> {
  return host.run("systemctl", systemctlArgs(host, args), { timeoutMs: 60_000 });
}

async function systemctlOrFail(host: ServiceHost, args: readonly string[]): Promise<void> {
  const result = await systemctl(host, args);
  if (result.failure === "not found") throw new KittError("PLATFORM_UNSUPPORTED", "systemctl not found: the agent service needs systemd; run `kitt agent start` instead");
  if (result.failure !== undefined) throw new KittError("PLATFORM_UNSUPPORTED", `systemctl ${systemctlArgs(host, args).join(" ")} failed: ${lastOutputLine(result)}`);
}

export interface InstalledService {
  unitPath: string;
  /** What a person should know, e.g. that a user service stops at logout without lingering. */
  notes: string[];
}

/** Writes the unit, reloads systemd, then enables and starts the service. */
export async function installAgentService(host: ServiceHost, unitText: string): Promise<InstalledService> {
  const unitPath = join(host.unitDir, AGENT_UNIT);
  await mkdir(host.unitDir, { recursive: true });
  await writeFileAtomically(unitPath, unitText);
  await systemctlOrFail(host, ["daemon-reload"]);
  await systemctlOrFail(host, ["enable", "--now", AGENT_UNIT]);
  const notes = host.scope === "user" ? ["a user service stops when you log out unless lingering is on: loginctl enable-linger $USER"] : [];
  return { unitPath, notes };
}

/** Stops and disables the service and removes its unit; false when it was not installed. */
export async function uninstallAgentService(host: ServiceHost): Promise<boolean> {
  const unitPath = join(host.unitDir, AGENT_UNIT);
  if (!(await readFile(unitPath).catch(() => undefined))) return false;
  await systemctlOrFail(host, ["disable", "--now", AGENT_UNIT]);
  await rm(unitPath, { force: true });
  await systemctlOrFail(host, ["daemon-reload"]);
  return true;
}

export async function restartAgentService(host: ServiceHost): Promise<void> {
  await systemctlOrFail(host, ["restart", AGENT_UNIT]);
}

export interface ServiceStatus {
  installed: boolean;
  unitPath: string;
  /** `systemctl is-active`'s word: active, inactive, failed, activating…; `unknown` when systemctl cannot say. */
  active: string;
  /** `systemctl is-enabled`'s word: enabled, disabled…; `unknown` when systemctl cannot say. */
  enabled: string;
}

export async function agentServiceStatus(host: ServiceHost): Promise<ServiceStatus> {
  const unitPath = join(host.unitDir, AGENT_UNIT);
  const installed = (await readFile(unitPath).catch(() => undefined)) !== undefined;
  // Both answer with a word and a non-zero exit for "not active"/"not enabled".
  const word = async (verb: string) => {
    const result = await systemctl(host, [verb, AGENT_UNIT]);
    return /^[a-z-]+$/.test(result.output.trim()) ? result.output.trim() : "unknown";
  };
  return { installed, unitPath, active: await word("is-active"), enabled: await word("is-enabled") };
}
