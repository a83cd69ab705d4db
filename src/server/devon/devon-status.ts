/**
 * Whether Devon answers: its `/health` (which needs no key), then `/api/v1/status` with the key,
 * so a wrong or missing key shows here rather than as a broken tab. Never throws: an
 * unreachable Devon is a status with its reason.
 */
import { request } from "undici";
import { engineAgent } from "../../protocols/http/connection-pools.js";
import { unansweredFailure } from "../../protocols/http/request-failures.js";
import type { EffectiveSettings } from "../settings/effective-settings.js";
import { DEVON_URL_UNSET } from "./devon-proxy.js";

export interface DevonStatus {
  configured: boolean;
  url: string | null;
  /** Whether Devon answered `/health` at all. */
  reachable: boolean;
  /** `/health`'s status, or `/api/v1/status`'s once health is fine. */
  status_code: number | null;
  version: string | null;
  key_set: boolean;
  /** Whether Devon accepted the key (or needs none); null when it was not asked. */
  authorized: boolean | null;
  error: string | null;
}

export const DEVON_STATUS_TIMEOUT_MS = 5_000;

export async function devonStatus(settings: EffectiveSettings, timeoutMs = DEVON_STATUS_TIMEOUT_MS): Promise<DevonStatus> {
  const url = settings.devonUrl.value;
  const key = settings.devonApiKey.value;
  const status: DevonStatus = { configured: url !== undefined, url: url ?? null, reachable: false, status_code: null, version: null, key_set: key !== undefined, authorized: null, error: null };
  if (url === undefined) return { ...status, error: settings.devonUrl.problem ?? DEVON_URL_UNSET };

  const health = await get(`${url}/health`, undefined, timeoutMs);
  if ("error" in health) return { ...status, error: unansweredFailure({ who: "Devon", name: "Devon", where: url }, health.error).message };
  const reachable = { ...status, reachable: true, status_code: health.status, version: stringField(health.body, "version") };
  if (health.status !== 200) return { ...reachable, error: `Devon's /health answered ${health.status}` };

  const api = await get(`${url}/api/v1/status`, key, timeoutMs);
  if ("error" in api) return { ...reachable, error: unansweredFailure({ who: "Devon", name: "Devon", where: url }, api.error).message };
  const authorized = api.status !== 401 && api.status !== 403;
  const error = api.status === 200 ? null : authorized ? `Devon's /api/v1/status answered ${api.status}` : `Devon refused the API key (${api.status}): ${key === undefined ? "none is set (devon_api_key or DEVON_API_KEY)" : "check devon_api_key or DEVON_API_KEY"}`;
  return { ...reachable, status_code: api.status, authorized, error };
}

async function get(url: string, key: string | undefined, timeoutMs: number): Promise<{ status: number; body: unknown } | { error: unknown }> {
  try {
    const response = await request(url, {
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      dispatcher: engineAgent(timeoutMs, timeoutMs),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: only the status counts.
    }
    return { status: response.statusCode, body };
  } catch (error) {
    return { error };
  }
}

function stringField(body: unknown, name: string): string | null {
  if (typeof body !== "object" || body === null) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value : null;
}
