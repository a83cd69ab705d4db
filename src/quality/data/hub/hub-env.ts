/**
 * The Hugging Face Hub settings kitt shares with `huggingface_hub`: `HF_ENDPOINT` (the Hub or a
 * mirror), `HF_TOKEN` (sent as `Authorization: Bearer`), `HF_HUB_OFFLINE` (never touch the
 * network; read the cache only). Downloads are cached under `<cacheDir>/datasets/hub/`.
 */
import { join } from "node:path";
import { cacheDir } from "../../../config/paths.js";

export const HF_DEFAULT_ENDPOINT = "https://huggingface.co";

export interface HubSettings {
  /** No trailing slash. */
  endpoint: string;
  token?: string;
  offline: boolean;
  /** Root of kitt's Hub download cache. */
  cacheRoot: string;
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const endpoint = (env.HF_ENDPOINT?.trim() || HF_DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const token = env.HF_TOKEN?.trim();
  return {
    endpoint,
    ...(token ? { token } : {}),
    offline: isTrue(env.HF_HUB_OFFLINE),
    cacheRoot: join(cacheDir(env), "datasets", "hub"),
  };
}

/** `huggingface_hub`'s reading of boolean variables: 1, ON, YES, TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "on", "yes", "true"].includes(value.trim().toLowerCase());
}
