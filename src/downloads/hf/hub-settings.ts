/**
 * The Hugging Face Hub settings kitt shares with `huggingface_hub`: `HF_ENDPOINT` (the Hub or a
 * mirror), the token (sent as `Authorization: Bearer`) from `HF_TOKEN`, else `HF_AUTH_TOKEN` (the
 * name Kthena's runtime reads), else the file `hf auth login` saves (`$HF_TOKEN_PATH`, default
 * `$HF_HOME/token`), and `HF_HUB_OFFLINE` (never touch the network).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const HF_DEFAULT_ENDPOINT = "https://huggingface.co";

export interface HubSettings {
  /** No trailing slash. */
  endpoint: string;
  token?: string;
  /** Where the token came from, for messages: `HF_TOKEN`, `HF_AUTH_TOKEN` or the token file's path. */
  tokenSource?: string;
  offline: boolean;
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const endpoint = (env.HF_ENDPOINT?.trim() || HF_DEFAULT_ENDPOINT).replace(/\/+$/, "");
  return { endpoint, ...hubToken(env), offline: isTrue(env.HF_HUB_OFFLINE) };
}

/** `HF_TOKEN`, `HF_AUTH_TOKEN`, else the saved token file; none is no token (anonymous requests). */
function hubToken(env: NodeJS.ProcessEnv): { token?: string; tokenSource?: string } {
  for (const name of ["HF_TOKEN", "HF_AUTH_TOKEN"] as const) {
    const fromEnv = env[name]?.trim();
    if (fromEnv) return { token: fromEnv, tokenSource: name };
  }
  const file = tokenFilePath(env);
  let saved: string;
  try {
    saved = readFileSync(file, "utf8").trim();
  } catch {
    return {};
  }
  return saved ? { token: saved, tokenSource: file } : {};
}

function tokenFilePath(env: NodeJS.ProcessEnv): string {
  if (env.HF_TOKEN_PATH?.trim()) return env.HF_TOKEN_PATH.trim();
  const hfHome = env.HF_HOME?.trim() || join(env.XDG_CACHE_HOME?.trim() || join(homedir(), ".cache"), "huggingface");
  return join(hfHome, "token");
}

/** `huggingface_hub`'s reading of boolean variables: 1, ON, YES, TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "on", "yes", "true"].includes(value.trim().toLowerCase());
}
