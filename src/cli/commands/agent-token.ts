/**
 * `kitt agent token set`: after the server rotated this agent's token, the new one replaces the
 * old in `agent.yaml`. It is read from stdin (never an argument) and must name this agent.
 */
import { agentConfigPath, loadAgentConfig, saveAgentConfig } from "../../agent/agent-config.js";
import { KittError } from "../../errors.js";
import { AGENT_TOKEN_PATTERN } from "../../server/agents/agent-protocol.js";
import { readSecret } from "../read-secret.js";
import { success } from "../ui.js";

export async function agentTokenSetCommand(): Promise<void> {
  const path = agentConfigPath();
  const config = await loadAgentConfig(path);
  const token = await readSecret(`agent ${config.name}'s new token (from the server's Agents page; not echoed): `);
  const match = AGENT_TOKEN_PATTERN.exec(token);
  if (!match) throw new KittError("USAGE", "that is not an agent token (kitt_agent_…, as the Agents page shows it after 'Rotate token')");
  if (match[1] !== config.agent_id) throw new KittError("USAGE", `that token is agent ${match[1]}'s; this machine is agent ${config.agent_id} (${config.name})`);
  await saveAgentConfig({ ...config, token }, path);
  success(`agent ${config.name}'s token replaced in ${path}; start the agent again ('kitt agent start', or restart its service)`);
}
