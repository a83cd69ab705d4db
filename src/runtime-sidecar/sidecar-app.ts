/** The runtime app for resolved settings: the engine's metrics proxy, its health probe, the token and the route groups. */
import { createRuntimeApp, type RouteGroup, type RuntimeApp } from "./app.js";
import { engineHealth } from "./engine-health.js";
import { EngineMetricsProxy } from "./engine-metrics-proxy.js";
import type { RuntimeSettings } from "./runtime-settings.js";

export function sidecarApp(settings: RuntimeSettings, routeGroups: readonly RouteGroup[]): RuntimeApp {
  const { spec, engineBaseUrl, engineTimeoutMs } = settings;
  const proxy = new EngineMetricsProxy({
    engine: spec.name,
    baseUrl: engineBaseUrl,
    path: settings.engineMetricsPath,
    identity: { pod: settings.pod, model: settings.model },
    timeoutMs: engineTimeoutMs,
  });
  return createRuntimeApp({
    metrics: () => proxy.scrape(),
    health: () => engineHealth(spec, engineBaseUrl, engineTimeoutMs),
    token: settings.token,
    routeGroups,
  });
}
