/**
 * `kitt agent update`: fetch the kitt package the server runs (the agent's token; the server
 * sends its SHA-256 in `X-Kitt-Sha256`), check the digest and that it is kitt, then `npm
 * install` it into the agent prefix (`~/.kitt/agent/`). Nothing is installed unless every check
 * passed, so a bad download leaves the installed version as it was.
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { t as listTar } from "tar";
import { request } from "undici";
import { kittHome } from "../config/paths.js";
import { describeError, KittError } from "../errors.js";
import { agentPaths } from "../server/agents/agent-protocol.js";
import { lastOutputLine, runHostCommand, type HostCommand } from "./host-command.js";
import { serverDispatcher, type ServerTarget } from "./server-connection.js";

export const PACKAGE_NAME = "kitt";

/** Where the agent's own kitt is installed: `$KITT_HOME/agent`. */
export function agentPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return join(kittHome(env), "agent");
}

/** The version of kitt installed in `prefix`, or undefined when none is. */
export async function installedVersion(prefix: string): Promise<string | undefined> {
  const text = await readFile(join(prefix, "node_modules", PACKAGE_NAME, "package.json"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

export interface AgentUpdateOptions {
  server: ServerTarget;
  token: string;
  prefix: string;
  /** For the download's connection and each wait for data. */
  timeoutMs?: number;
  /** For `npm install`. */
  installTimeoutMs?: number;
  maxBytes?: number;
  /** Runs npm (its environment extended by `npmEnv`). */
  run?: HostCommand;
  npm?: string;
  npmEnv?: Record<string, string>;
}

export interface AgentUpdateResult {
  oldVersion: string | undefined;
  newVersion: string;
  /** False when the server's version was installed already (npm did not run). */
  changed: boolean;
}

const PACKAGES_DIR = "packages";
const VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

export async function updateAgent(options: AgentUpdateOptions): Promise<AgentUpdateResult> {
  const oldVersion = await installedVersion(options.prefix);
  const packages = join(options.prefix, PACKAGES_DIR);
  await mkdir(packages, { recursive: true });
  const download = join(packages, `.download-${randomBytes(4).toString("hex")}.tgz`);
  let placed: { tarball: string; version: string } | undefined;
  try {
    await downloadVerified(options, download);
    const newVersion = await packageVersion(download);
    if (newVersion === oldVersion) return { oldVersion, newVersion, changed: false };
    // A stable name: npm records it in the prefix's package.json.
    const tarball = join(packages, `${PACKAGE_NAME}-${newVersion}.tgz`);
    await rename(download, tarball);
    placed = { tarball, version: newVersion };
    await npmInstall(options, tarball);
    const installed = await installedVersion(options.prefix);
    if (installed !== newVersion) throw new KittError("DOWNLOAD_FAILED", `npm install finished, but ${installed ?? "no kitt"} is installed instead of ${newVersion}`);
    await removeOtherPackages(packages, tarball);
    return { oldVersion, newVersion, changed: true };
  } catch (error) {
    // Kept only if npm got as far as installing it (the prefix's package.json then names it).
    if (placed && (await installedVersion(options.prefix)) !== placed.version) await rm(placed.tarball, { force: true });
    throw error;
  } finally {
    await rm(download, { force: true });
  }
}

async function downloadVerified(options: AgentUpdateOptions, path: string): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  const url = new URL(agentPaths.package, options.server.url);
  const dispatcher = serverDispatcher(options.server, timeoutMs);
  try {
    const response = await request(url, { dispatcher, headers: { authorization: `Bearer ${options.token}` } }).catch((error: unknown) => {
      throw new KittError("DOWNLOAD_FAILED", `cannot fetch the kitt package from ${url.origin}: ${describeError(error instanceof Error && error.cause instanceof Error ? error.cause : error)}`, { cause: error });
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      const why = response.statusCode === 401 || response.statusCode === 403 ? ": the agent's token was refused (revoked or rotated?)" : "";
      throw new KittError("DOWNLOAD_FAILED", `${url.origin} answered ${response.statusCode} for the kitt package${why}`);
    }
    const expected = String(response.headers["x-kitt-sha256"] ?? "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(expected)) {
      await response.body.dump();
      throw new KittError("DOWNLOAD_FAILED", `${url.origin} sent the kitt package without a valid X-Kitt-Sha256 header; nothing installed`);
    }
    const hash = createHash("sha256");
    let bytes = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxBytes) return callback(new KittError("DOWNLOAD_FAILED", `the kitt package is larger than ${maxBytes} bytes; nothing installed`));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(response.body, measure, createWriteStream(path, { flags: "wx", mode: 0o600 })).catch((error: unknown) => {
      throw error instanceof KittError ? error : new KittError("DOWNLOAD_FAILED", `the kitt package download from ${url.origin} broke off: ${describeError(error)}`, { cause: error });
    });
    const actual = hash.digest("hex");
    if (actual !== expected) {
      throw new KittError("DOWNLOAD_FAILED", `the kitt package's sha256 ${actual} does not match the server's ${expected}; nothing installed`);
    }
  } finally {
    await dispatcher.close();
  }
}

/** The version in the tarball's `package/package.json`, which must be kitt's. */
async function packageVersion(tarball: string): Promise<string> {
  let manifest = "";
  await listTar({
    file: tarball,
    filter: (path) => path === "package/package.json",
    onReadEntry: (entry) => entry.on("data", (chunk: Buffer) => (manifest += chunk.toString("utf8"))),
  }).catch((error: unknown) => {
    throw new KittError("DOWNLOAD_FAILED", `the kitt package is not a readable npm tarball: ${describeError(error)}`, { cause: error });
  });
  let parsed: { name?: unknown; version?: unknown } = {};
  try {
    parsed = JSON.parse(manifest) as typeof parsed;
  } catch {
    // reported below
  }
  if (parsed.name !== PACKAGE_NAME || typeof parsed.version !== "string" || !VERSION.test(parsed.version)) {
    throw new KittError("DOWNLOAD_FAILED", `the server's package is not a kitt release (name ${String(parsed.name)}, version ${String(parsed.version)}); nothing installed`);
  }
  return parsed.version;
}

/** npm next to the running node (what install.sh used), else the one on PATH. */
function defaultNpm(): string {
  const beside = join(dirname(process.execPath), "npm");
  return existsSync(beside) ? beside : "npm";
}

async function npmInstall(options: AgentUpdateOptions, tarball: string): Promise<void> {
  const run = options.run ?? runHostCommand;
  const timeoutMs = options.installTimeoutMs ?? 10 * 60_000;
  const args = ["install", "--prefix", options.prefix, tarball, "--no-audit", "--no-fund", "--omit=dev"];
  const result = await run(options.npm ?? defaultNpm(), args, { timeoutMs, env: { npm_config_update_notifier: "false", ...options.npmEnv } });
  if (result.failure !== undefined) {
    throw new KittError("DOWNLOAD_FAILED", `npm install of kitt into ${options.prefix} failed (${result.failure}): ${lastOutputLine(result)}`);
  }
}

async function removeOtherPackages(packages: string, keep: string): Promise<void> {
  for (const name of await readdir(packages)) {
    const path = join(packages, name);
    if (path !== keep && name.startsWith(`${PACKAGE_NAME}-`) && name.endsWith(".tgz")) await rm(path, { force: true });
  }
}
