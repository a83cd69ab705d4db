/**
 * What `kitt runtime` runs with: its flags, else the environment variables Kthena's controller
 * sets, else Kthena's defaults; the engine checked to have Prometheus metrics; the token read;
 * and the refusal to listen beyond loopback without one.
 */
import { readFile } from "node:fs/promises";
import { KittError } from "../errors.js";
import { engines, getEngineSpec } from "../engines/registry.js";
import type { EngineSpec } from "../engines/types.js";
import { isLoopback } from "../server/bind-policy.js";

export interface RuntimeFlags {
  engine: string;
  host: string;
  port?: number;
  engineBaseUrl?: string;
  engineMetricsPath?: string;
  pod: string;
  model: string;
  tokenFile?: string;
  /** Seconds. */
  engineTimeout: number;
}

export interface RuntimeSettings {
  spec: EngineSpec;
  host: string;
  port: number;
  engineBaseUrl: string;
  engineMetricsPath: string;
  pod: string;
  model: string;
  token?: string;
  engineTimeoutMs: number;
}

export const TOKEN_ENV = "KITT_RUNTIME_TOKEN";

/** Engines with a Prometheus endpoint, the ones a runtime can serve. */
export function enginesWithMetrics(): string[] {
  return Object.values(engines)
    .filter((spec) => spec.capabilities.metricsPath !== undefined)
    .map((spec) => spec.name);
}

function engineWithMetrics(name: string): EngineSpec {
  const spec = getEngineSpec(name);
  if (spec.capabilities.metricsPath === undefined) {
    throw new KittError("USAGE", `${spec.displayName} has no Prometheus metrics endpoint, so kitt runtime cannot serve it; engines it serves: ${enginesWithMetrics().join(", ")}`);
  }
  return spec;
}

function portFromEnv(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new KittError("USAGE", `RUNTIME_PORT=${value}: expected a port number (0-65535)`);
  return port;
}

function urlFromEnv(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") throw new KittError("USAGE", `RUNTIME_URL=${value}: expected an http(s) URL`);
  return value;
}

async function readToken(flags: RuntimeFlags, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (flags.tokenFile === undefined) return env[TOKEN_ENV] || undefined;
  let text: string;
  try {
    text = await readFile(flags.tokenFile, "utf8");
  } catch (error) {
    throw new KittError("USAGE", `--token-file ${flags.tokenFile}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const token = text.trim();
  if (token === "") throw new KittError("USAGE", `--token-file ${flags.tokenFile} is empty`);
  return token;
}

export async function runtimeSettings(flags: RuntimeFlags, env: NodeJS.ProcessEnv): Promise<RuntimeSettings> {
  const spec = engineWithMetrics(flags.engine);
  const engineMetricsPath = flags.engineMetricsPath ?? (env.RUNTIME_METRICS_PATH || "/metrics");
  if (!engineMetricsPath.startsWith("/")) throw new KittError("USAGE", `engine metrics path '${engineMetricsPath}': expected a path starting with /`);
  const port = flags.port ?? (env.RUNTIME_PORT ? portFromEnv(env.RUNTIME_PORT) : 9000);
  const engineBaseUrl = flags.engineBaseUrl ?? (env.RUNTIME_URL ? urlFromEnv(env.RUNTIME_URL) : "http://localhost:8000");
  const token = await readToken(flags, env);
  if (token === undefined && !isLoopback(flags.host)) {
    throw new KittError("UNSAFE_BIND", `refusing to serve on ${flags.host} without a token: /v1/* routes load adapters and download models; set ${TOKEN_ENV} or pass --token-file`);
  }
  const settings: RuntimeSettings = {
    spec,
    host: flags.host,
    port,
    engineBaseUrl,
    engineMetricsPath,
    pod: flags.pod,
    model: flags.model,
    engineTimeoutMs: Math.round(flags.engineTimeout * 1000),
  };
  if (token !== undefined) settings.token = token;
  return settings;
}
