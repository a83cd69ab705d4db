/**
 * `kitt agent preflight`: can this machine run tests for its server? Docker's daemon, the GPUs,
 * free space in the model directory, Node's version and the server's reachability, each one
 * line: ok, warn (runs, but not as well) or fail (cannot run tests).
 */
import { statfs } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import pc from "picocolors";
import { request } from "undici";
import { describeError } from "../errors.js";
import { runCommand, type CommandRunner } from "../hardware/command-runner.js";
import { probeNvidiaGpus } from "../hardware/nvidia-gpus.js";
import { docker } from "../runtime/docker-cli.js";
import { PinMismatchError, serverDispatcher, type ServerTarget } from "./server-connection.js";

export type CheckStatus = "ok" | "warn" | "fail";

export interface PreflightCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface AgentPreflightOptions {
  modelDir: string;
  server?: ServerTarget;
  /** Below this much free space in the model directory is a warning. */
  minFreeGb?: number;
  /** Runs nvidia-smi (tests replay recorded output). */
  run?: CommandRunner;
  nodeVersion?: string;
  timeoutMs?: number;
}

export const MIN_NODE_VERSION = "20.19.0";
const HEALTH_PATH = "/api/v1/health";

export async function runAgentPreflight(options: AgentPreflightOptions): Promise<PreflightCheck[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const checks: [string, () => Promise<Omit<PreflightCheck, "name">>][] = [
    ["docker", () => checkDocker(timeoutMs)],
    ["gpus", () => checkGpus(options.run ?? runCommand)],
    ["disk", () => checkDisk(options.modelDir, options.minFreeGb ?? 50)],
    ["node", async () => checkNode(options.nodeVersion ?? process.versions.node)],
  ];
  if (options.server) {
    const server = options.server;
    checks.push(["server", () => checkServer(server, timeoutMs)]);
  }
  return Promise.all(
    checks.map(async ([name, check]) => {
      try {
        return { name, ...(await check()) };
      } catch (error) {
        return { name, status: "fail" as const, detail: describeError(error) };
      }
    }),
  );
}

async function checkDocker(timeoutMs: number): Promise<Omit<PreflightCheck, "name">> {
  const result = await docker(["info", "--format", "{{json .ServerVersion}}"], { timeoutMs });
  if (result.exitCode !== 0) {
    const reason = result.stderr.split("\n").map((line) => line.trim()).find(Boolean) ?? `exit code ${result.exitCode}`;
    return { status: "fail", detail: `no Docker daemon answers (${reason})` };
  }
  return { status: "ok", detail: `Docker ${String(JSON.parse(result.stdout))}` };
}

async function checkGpus(run: CommandRunner): Promise<Omit<PreflightCheck, "name">> {
  const inventory = await probeNvidiaGpus(run);
  if (inventory.gpus.length === 0) return { status: "warn", detail: `no NVIDIA GPU (${inventory.unavailableReason ?? "none listed"}): tests run on the CPU` };
  const names = new Map<string, number>();
  for (const gpu of inventory.gpus) names.set(gpu.name, (names.get(gpu.name) ?? 0) + 1);
  const listed = [...names].map(([name, count]) => `${count} × ${name}`).join(", ");
  return { status: "ok", detail: `${listed}${inventory.driverVersion ? `, driver ${inventory.driverVersion}` : ""}${inventory.cudaVersion ? `, CUDA ${inventory.cudaVersion}` : ""}` };
}

async function checkDisk(modelDir: string, minFreeGb: number): Promise<Omit<PreflightCheck, "name">> {
  let fs;
  try {
    fs = await statfs(modelDir);
  } catch (error) {
    return { status: "fail", detail: `the model directory ${modelDir} cannot be read (${(error as NodeJS.ErrnoException).code ?? describeError(error)})` };
  }
  const freeGb = (fs.bavail * fs.bsize) / 1e9;
  const detail = `${freeGb.toFixed(1)} GB free in ${modelDir}`;
  return freeGb < minFreeGb ? { status: "warn", detail: `${detail}, less than ${minFreeGb} GB: models copied from the share may not fit` } : { status: "ok", detail };
}

export function checkNode(version: string): Omit<PreflightCheck, "name"> {
  const ok = compareVersions(version.replace(/^v/, ""), MIN_NODE_VERSION) >= 0;
  return ok ? { status: "ok", detail: `Node ${version}` } : { status: "fail", detail: `Node ${version} is too old: kitt needs Node >= ${MIN_NODE_VERSION}` };
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((text) => text.split(/[.-]/).slice(0, 3).map((part) => Number.parseInt(part, 10) || 0));
  for (let i = 0; i < 3; i++) {
    const difference = (x?.[i] ?? 0) - (y?.[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

async function checkServer(server: ServerTarget, timeoutMs: number): Promise<Omit<PreflightCheck, "name">> {
  const url = new URL(HEALTH_PATH, server.url);
  const dispatcher = serverDispatcher(server, timeoutMs);
  const started = performance.now();
  try {
    const response = await request(url, { dispatcher, signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.body.text();
    const ms = Math.round(performance.now() - started);
    if (response.statusCode !== 200) return { status: "fail", detail: `${url.origin} answered ${response.statusCode} to ${HEALTH_PATH}` };
    if (!body.includes('"ok"')) return { status: "fail", detail: `${url.origin} answered ${HEALTH_PATH} but is not a kitt server` };
    return { status: "ok", detail: `${url.origin} reachable in ${ms} ms${server.caPin ? ", certificate matches the pin" : ""}` };
  } catch (error) {
    return { status: "fail", detail: `${url.origin} unreachable: ${serverFailure(error, timeoutMs)}` };
  } finally {
    await dispatcher.close();
  }
}

function serverFailure(error: unknown, timeoutMs: number): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof PinMismatchError) return cause.message;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name.includes("Timeout"))) return `no answer within ${timeoutMs} ms`;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === "DEPTH_ZERO_SELF_SIGNED_CERT" || code === "SELF_SIGNED_CERT_IN_CHAIN") return `${code}: pin the server's certificate with --ca-pin`;
  return code ? `${code} (${describeError(cause)})` : describeError(error);
}

/** One line per check, then a summary line; colours as picocolors decides for this terminal unless given. */
export function formatPreflight(checks: readonly PreflightCheck[], colors: Pick<typeof pc, "green" | "yellow" | "red"> = pc): string {
  const marks: Record<CheckStatus, string> = { ok: colors.green("ok  "), warn: colors.yellow("warn"), fail: colors.red("fail") };
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = checks.map((check) => `${marks[check.status]}  ${check.name.padEnd(width)}  ${check.detail}`);
  const count = (status: CheckStatus) => checks.filter((check) => check.status === status).length;
  const failures = count("fail");
  lines.push(failures > 0 ? colors.red(`${failures} check(s) failed: this machine cannot run tests yet`) : `ready${count("warn") > 0 ? `, with ${count("warn")} warning(s)` : ""}`);
  return `${lines.join("\n")}\n`;
}

/** Whether the machine can run tests: no check failed. */
export function preflightPassed(checks: readonly PreflightCheck[]): boolean {
  return checks.every((check) => check.status !== "fail");
}
