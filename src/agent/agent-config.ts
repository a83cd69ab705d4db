/**
 * `$KITT_HOME/agent.yaml`: what `kitt agent init` learnt (the server, the agent's id and token)
 * and chose (name, model directory, share, certificate pin), plus the settings the server last
 * handed back. It holds the token, so it is written 0600 (atomically: a crash leaves the old file
 * or the new one) and refused when group or others may read it.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { z } from "zod";
import { kittHome } from "../config/paths.js";
import { parseYamlFile } from "../config/yaml-file.js";
import { KittError } from "../errors.js";
import { AGENT_TOKEN_PREFIX, AgentSettingsSchema } from "../server/agents/agent-protocol.js";
import { PUBLIC_KEY_PIN } from "./server-connection.js";

export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The server certificate's pin: its public-key pin `sha256//BASE64` (what `curl --pinnedpubkey`
 * and the install script take), kept as given, or its SHA-256 fingerprint `AB:CD:…` as
 * `openssl x509 -fingerprint -sha256` and `kitt web --tls` print it (case and colons optional on input).
 */
export const CaPinSchema = z
  .string()
  .trim()
  .transform((value) => (PUBLIC_KEY_PIN.test(value) ? value : value.replace(/^sha256[:/]*/i, "").replaceAll(":", "").toUpperCase()))
  .refine((pin) => PUBLIC_KEY_PIN.test(pin) || /^[0-9A-F]{64}$/.test(pin), "sha256//BASE64 (the public key) or the SHA-256 fingerprint: 64 hex digits, colons optional")
  .transform((pin) => (PUBLIC_KEY_PIN.test(pin) ? pin : pin.match(/../g)!.join(":")));

export const AgentConfigSchema = z.strictObject({
  server: z.url({ protocol: /^https?$/ }),
  agent_id: z.string().min(1).max(128),
  token: z.string().startsWith(AGENT_TOKEN_PREFIX),
  name: z.string().regex(AGENT_NAME, "letters, digits, '_', '.', '-' (at most 64)"),
  model_dir: z.string().min(1),
  share_source: z.string().min(1).optional(),
  share_mount: z.string().min(1).optional(),
  ca_pin: CaPinSchema.optional(),
  settings: AgentSettingsSchema.default({ heartbeat_interval_s: 30, auto_cleanup: true }),
}).refine((config) => config.share_source === undefined || config.share_mount !== undefined, {
  path: ["share_mount"],
  message: "share_source needs share_mount, the folder the share is mounted at",
});

export type AgentConfig = z.output<typeof AgentConfigSchema>;

export function agentConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(kittHome(env), "agent.yaml");
}

/** The agent's own files: state, spool, pid file, job logs. */
export function agentDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(kittHome(env), "agent");
}

/** NOT_FOUND before `kitt agent init`; CONFIG_INVALID for a file others may read or one that does not validate. */
export async function loadAgentConfig(path = agentConfigPath()): Promise<AgentConfig> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new KittError("NOT_FOUND", `no agent configuration at ${path}: enrol this machine with 'kitt agent init --server URL --code CODE'`);
    throw error;
  });
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new KittError("CONFIG_INVALID", `${path} may be read by others (mode ${mode}) and holds the agent's token: 'chmod 600 ${path}'`);
  }
  return parseYamlFile(await readFile(path, "utf8"), path, AgentConfigSchema);
}

/** Writes the configuration 0600 through a temporary file and a rename. */
export async function saveAgentConfig(config: AgentConfig, path = agentConfigPath()): Promise<void> {
  await writeFileAtomic(path, stringify(AgentConfigSchema.parse(config)));
}

/** `text` at `path`, mode 0600, never half-written: a sibling temporary file renamed over it. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, text, { mode: 0o600, flush: true });
  // The mode given to writeFile is masked by the umask; the token needs exactly 0600.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
