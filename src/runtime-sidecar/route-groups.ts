/**
 * The route groups `kitt runtime` mounts behind its token guard: each is a Hono app whose
 * routes carry their full `/v1/...` paths (`createRuntimeApp`'s `routeGroups`): LoRA adapters
 * (`/v1/lora/*`) and model downloads (`/v1/models/download`).
 */
import type { RouteGroup } from "./app.js";
import { downloadArtifact } from "./lora/artifact-download.js";
import { loraRoutes } from "./lora-routes.js";
import { modelDownloadRoutes } from "./model-download-routes.js";
import type { RuntimeSettings } from "./runtime-settings.js";

export function runtimeRouteGroups(settings: RuntimeSettings, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): RouteGroup[] {
  return [
    loraRoutes({
      engine: settings.spec.name,
      engineBaseUrl: settings.engineBaseUrl,
      cacheDir: settings.loraCacheDir,
      fetchArtifact: downloadArtifact,
      signal,
    }),
    modelDownloadRoutes({ modelsRoot: settings.modelsDir, env, signal }),
  ];
}
