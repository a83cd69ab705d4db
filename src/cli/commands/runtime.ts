/**
 * `kitt runtime`: the sidecar beside an engine (Kthena's runtime, kitt's way) until Ctrl+C or
 * SIGTERM: the engine's metrics with unified names added, health by the engine's own
 * readiness rule, and the `/v1/*` route groups behind a token.
 */
import { shutdownSignal } from "../../runtime/lifecycle.js";
import { OPENAPI_PATH } from "../../runtime-sidecar/openapi.js";
import { runtimeRouteGroups } from "../../runtime-sidecar/route-groups.js";
import { runtimeSettings } from "../../runtime-sidecar/runtime-settings.js";
import { sidecarApp } from "../../runtime-sidecar/sidecar-app.js";
import { WebServer } from "../../server/web-server.js";
import type { RUNTIME_OPTIONS } from "../options/runtime.js";
import type { OptionsOf } from "../options/table.js";

export type RuntimeOptions = OptionsOf<typeof RUNTIME_OPTIONS>;

export async function runtimeCommand(options: RuntimeOptions): Promise<void> {
  const settings = await runtimeSettings(options, process.env);
  await using server = await WebServer.listen(sidecarApp(settings, runtimeRouteGroups(settings, shutdownSignal)), { host: settings.host, port: settings.port });
  const guard = settings.token === undefined ? "/v1 open to this machine only, no token" : "/v1 needs the token";
  process.stdout.write(
    `kitt runtime: serving ${server.url} for ${settings.spec.displayName} at ${settings.engineBaseUrl} (metrics ${settings.engineMetricsPath}; ${guard}); OpenAPI ${server.url}${OPENAPI_PATH}\n`,
  );
  await new Promise<void>((resolve) => {
    if (shutdownSignal.aborted) resolve();
    else shutdownSignal.addEventListener("abort", () => resolve(), { once: true });
  });
}
