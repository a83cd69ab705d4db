/**
 * `kitt agent preflight|service|update`: whether this machine can serve as an agent, the agent as
 * a systemd service, and updating it to the kitt version its server runs.
 */
import { join } from "node:path";
import { agentConfigPath, loadAgentConfig } from "../../agent/agent-config.js";
import { formatPreflight, preflightPassed, runAgentPreflight } from "../../agent/agent-preflight.js";
import { agentPrefix, updateAgent } from "../../agent/agent-update.js";
import { runHostCommand } from "../../agent/host-command.js";
import {
  agentServiceStatus,
  agentUnitText,
  installAgentService,
  restartAgentService,
  serviceScope,
  uninstallAgentService,
  unitDirectory,
  type ServiceHost,
} from "../../agent/systemd-unit.js";
import { kittHome } from "../../config/paths.js";
import { EXIT_CODES, KittError } from "../../errors.js";
import { packageRoot } from "../../package-root.js";
import type { AGENT_PREFLIGHT_OPTIONS, AGENT_UPDATE_OPTIONS } from "../options/agent.js";
import type { OptionsInput } from "../options/table.js";
import { success } from "../ui.js";

export async function agentPreflightCommand(options: OptionsInput<typeof AGENT_PREFLIGHT_OPTIONS>): Promise<void> {
  const config = await loadAgentConfig();
  const checks = await runAgentPreflight({ modelDir: config.model_dir, server: { url: config.server, caPin: config.ca_pin } });
  process.stdout.write(options.json ? `${JSON.stringify(checks, null, 2)}\n` : `${formatPreflight(checks)}\n`);
  if (!preflightPassed(checks)) throw new KittError("PLATFORM_UNSUPPORTED", "this machine cannot serve as an agent yet: see the failed checks above");
}

function serviceHost(): ServiceHost {
  const scope = serviceScope();
  return { scope, unitDir: unitDirectory(scope), run: runHostCommand };
}

export async function agentServiceInstallCommand(): Promise<void> {
  // The configuration must be there and valid before a service is made to run it.
  await loadAgentConfig();
  const host = serviceHost();
  const unit = agentUnitText({
    scope: host.scope,
    nodePath: process.execPath,
    kittBin: join(packageRoot(), "dist", "cli", "bin.js"),
    kittHome: kittHome(),
    // A revoked token or a changed certificate will not be fixed by starting again.
    noRestartExitCodes: [EXIT_CODES.AGENT_REVOKED, EXIT_CODES.TLS_PIN_MISMATCH],
  });
  const installed = await installAgentService(host, unit);
  success(`kitt agent runs as the ${host.scope} service kitt-agent (${installed.unitPath})`);
  for (const note of installed.notes) process.stdout.write(`note: ${note}\n`);
}

export async function agentServiceUninstallCommand(): Promise<void> {
  const removed = await uninstallAgentService(serviceHost());
  process.stdout.write(removed ? "kitt agent service stopped and removed\n" : "no kitt agent service is installed\n");
}

export async function agentServiceStatusCommand(): Promise<void> {
  const status = await agentServiceStatus(serviceHost());
  process.stdout.write(status.installed ? `installed: ${status.unitPath}\nactive: ${status.active}\nenabled: ${status.enabled}\n` : `not installed (it would go to ${status.unitPath})\n`);
}

export async function agentUpdateCommand(options: OptionsInput<typeof AGENT_UPDATE_OPTIONS>): Promise<void> {
  const config = await loadAgentConfig();
  const result = await updateAgent({ server: { url: config.server, caPin: config.ca_pin }, token: config.token, prefix: agentPrefix() });
  if (!result.changed) {
    process.stdout.write(`kitt ${result.newVersion} is what ${config.server} runs, and is installed already\n`);
    return;
  }
  success(`kitt ${result.oldVersion ?? "(none)"} → ${result.newVersion} in ${agentPrefix()} (configuration: ${agentConfigPath()})`);
  if (options.restart) {
    await restartAgentService(serviceHost());
    success("kitt agent service restarted");
  } else process.stdout.write("restart the agent to run it: kitt agent service install, or stop and start it\n");
}
