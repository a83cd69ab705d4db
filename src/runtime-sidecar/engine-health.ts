/**
 * `GET /health` of `kitt runtime`: ready only when the engine answers ready by the rule kitt
 * already holds for it (its spec's `readiness`), probed afresh on every request with a
 * timeout. (Kthena's runtime answers healthy whatever the engine does.)
 */
import type { EngineSpec } from "../engines/types.js";
import { trimBaseUrl } from "../protocols/http/engine-request.js";
import { probe } from "../runtime/readiness.js";

export type EngineHealth = { ready: true } | { ready: false; reason: string };

export async function engineHealth(spec: EngineSpec, baseUrl: string, timeoutMs: number): Promise<EngineHealth> {
  const url = trimBaseUrl(baseUrl) + spec.readiness.path;
  const seen = await probe(url, timeoutMs);
  if (spec.readiness.isReady(seen)) return { ready: true };
  if (seen.status === 0) {
    return { ready: false, reason: seen.refused ? `nothing listens at ${url} (connection refused)` : `${url} did not answer within ${timeoutMs} ms` };
  }
  const body = seen.body.trim().replace(/\s+/g, " ").slice(0, 200);
  return { ready: false, reason: `${spec.displayName} at ${url} is not ready: it answered ${seen.status}${body === "" ? "" : ` ${body}`}` };
}
