/**
 * `kitt agent init`: trades a single-use enrolment code for this agent's own token and writes
 * `~/.kitt/agent.yaml` (0600). The token is never printed.
 */
import { access } from "node:fs/promises";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { AGENT_NAME, agentConfigPath, CaPinSchema, saveAgentConfig } from "../../agent/agent-config.js";
import { AgentClient, valueOf } from "../../agent/agent-client.js";
import { presentEngines } from "../../agent/agent-host.js";
import { modelsDir } from "../../config/paths.js";
import { KittError } from "../../errors.js";
import { collectFingerprint } from "../../hardware/fingerprint.js";
import { kittVersion } from "../../package-root.js";
import type { AGENT_INIT_OPTIONS } from "../options/agent.js";
import type { OptionsInput } from "../options/table.js";
import { success } from "../ui.js";

export async function agentInitCommand(options: OptionsInput<typeof AGENT_INIT_OPTIONS>): Promise<void> {
  const server = serverUrl(options.server);
  const caPin = options.caPin === undefined ? undefined : CaPinSchema.safeParse(options.caPin);
  if (caPin && !caPin.success) throw new KittError("USAGE", `--ca-pin: ${caPin.error.issues[0]?.message ?? "not a fingerprint"}`);
  if (caPin && !server.startsWith("https:")) throw new KittError("USAGE", "--ca-pin pins an https server's certificate; the server URL is http");
  if (options.shareSource !== undefined && options.shareMount === undefined) throw new KittError("USAGE", "--share-source needs --share-mount, the folder the share is mounted at");
  const name = options.name ?? defaultName();
  if (!AGENT_NAME.test(name)) throw new KittError("USAGE", `--name ${JSON.stringify(name)}: letters, digits, '_', '.', '-', at most 64`);
  const path = agentConfigPath();
  if (!options.force && (await access(path).then(() => true, () => false))) {
    throw new KittError("USAGE", `this machine is enrolled already (${path}); --force enrols it again`);
  }

  await using client = new AgentClient({ server, caPin: caPin?.data });
  const registered = valueOf(
    await client.register({
      code: options.code,
      name,
      kitt_version: kittVersion(),
      hardware: (await collectFingerprint()) as unknown as Record<string, unknown>,
      engines: await presentEngines(),
    }),
  );
  if (registered.token === undefined) throw new KittError("SERVER_UNREACHABLE", `${server} enrolled this agent but sent no token`);
  await saveAgentConfig(
    {
      server,
      agent_id: registered.agent_id,
      token: registered.token,
      name: registered.name ?? name,
      model_dir: resolve(options.modelDir ?? modelsDir()),
      share_source: options.shareSource,
      share_mount: options.shareMount === undefined ? undefined : resolve(options.shareMount),
      ca_pin: caPin?.data,
      settings: registered.settings,
    },
    path,
  );
  success(`enrolled as ${registered.name ?? name} (${registered.agent_id}) with ${server}; configuration in ${path}; 'kitt agent start' starts it`);
}

function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KittError("USAGE", `--server ${JSON.stringify(value)} is not a URL (https://host:port)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new KittError("USAGE", `--server: http or https, not ${url.protocol}`);
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") throw new KittError("USAGE", "--server: a base URL, without query, fragment or credentials");
  return url.href.replace(/\/+$/, "");
}

/** This host's name, cut to what an agent name may hold. */
function defaultName(): string {
  return hostname().replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 64) || "agent";
}
