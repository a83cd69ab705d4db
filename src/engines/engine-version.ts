/** The running engine's own version string, from the route its spec names; undefined when it does not say. */
import type { Engine } from "./engine.js";
import { getJson } from "./engine-json.js";

export async function engineVersion(engine: Pick<Engine, "baseUrl" | "spec">): Promise<string | undefined> {
  const probe = engine.spec.versionProbe;
  if (!probe) return undefined;
  const answer = (await getJson(engine, probe.path)) as Record<string, unknown> | undefined;
  const value = answer?.[probe.field];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}
