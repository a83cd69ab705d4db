import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentPrefix, installedVersion, updateAgent, type AgentUpdateOptions } from "../../src/agent/agent-update.js";
import { runHostCommand, type HostCommand } from "../../src/agent/host-command.js";
import { KittError } from "../../src/errors.js";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { selfSignedCertificate } from "../../src/server/tls/certificate.js";

const TOKEN = "kitt_agent_a1_secret_mac";
let base: string;
let prefix: string;
let server: Server;
let url: string;
const tarballs = new Map<string, Buffer>();
/** What the server serves next: a tarball, and the digest it claims (the real one unless set). */
let serving: { tarball: Buffer; sha256?: string };
let requests: { path: string; authorization: string | undefined }[];

/** A real `npm pack` of a tiny package. */
function pack(name: string, version: string): Buffer {
  const dir = join(base, `${name}-${version}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version, type: "module", bin: { [name]: "bin.js" }, files: ["bin.js"] }));
  writeFileSync(join(dir, "bin.js"), `#!/usr/bin/env node\nconsole.log("${name} ${version}");\n`);
  const file = execFileSync("npm", ["pack", "--pack-destination", base, "--silent"], { cwd: dir, encoding: "utf8", env: npmEnv() }).trim().split("\n").at(-1) as string;
  return readFileSync(join(base, file));
}

function npmEnv(): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_cache: join(base, "npm-cache"), npm_config_offline: "true", npm_config_update_notifier: "false" };
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "kitt-agent-update-"));
  for (const version of ["0.0.1", "0.0.2"]) tarballs.set(version, pack("kitt", version));
  tarballs.set("other", pack("not-kitt", "1.0.0"));
  server = createServer(servePackage);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

/** The package route as the server documents it: the agent's token, the tarball, its digest in X-Kitt-Sha256. */
const servePackage: RequestListener = (req, res) => {
    requests.push({ path: req.url ?? "", authorization: req.headers.authorization });
    if (req.url !== agentPaths.package) return void res.writeHead(404).end();
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
    const sha256 = serving.sha256 ?? createHash("sha256").update(serving.tarball).digest("hex");
    res.writeHead(200, { "content-type": "application/gzip", "x-kitt-sha256": sha256, "content-length": serving.tarball.length }).end(serving.tarball);
};
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  prefix = mkdtempSync(join(base, "prefix-"));
  requests = [];
});

function options(overrides: Partial<AgentUpdateOptions> = {}): AgentUpdateOptions {
  return { server: { url }, token: TOKEN, prefix, npmEnv: { npm_config_cache: join(base, "npm-cache"), npm_config_offline: "true" }, ...overrides };
}

async function kittError(promise: Promise<unknown>): Promise<KittError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

const packagesLeft = () => readdirSync(join(prefix, "packages")).sort();

describe("kitt agent update", () => {
  it("installs the server's package with npm, then updates it, reporting old and new versions", async () => {
    serving = { tarball: tarballs.get("0.0.1") as Buffer };
    expect(await updateAgent(options())).toEqual({ oldVersion: undefined, newVersion: "0.0.1", changed: true });
    expect(requests).toEqual([{ path: agentPaths.package, authorization: `Bearer ${TOKEN}` }]);
    expect(execFileSync(join(prefix, "node_modules", ".bin", "kitt"), { encoding: "utf8" })).toBe("kitt 0.0.1\n");

    serving = { tarball: tarballs.get("0.0.2") as Buffer };
    expect(await updateAgent(options())).toEqual({ oldVersion: "0.0.1", newVersion: "0.0.2", changed: true });
    expect(await installedVersion(prefix)).toBe("0.0.2");
    expect(execFileSync(join(prefix, "node_modules", ".bin", "kitt"), { encoding: "utf8" })).toBe("kitt 0.0.2\n");
    expect(packagesLeft()).toEqual(["kitt-0.0.2.tgz"]);
  }, 120_000);

  it("does not run npm when the server's version is installed already", async () => {
    serving = { tarball: tarballs.get("0.0.1") as Buffer };
    await updateAgent(options());
    const calls: string[] = [];
    const recording: HostCommand = async (file, args, more) => {
      calls.push(args.join(" "));
      return runHostCommand(file, args, more);
    };
    expect(await updateAgent(options({ run: recording }))).toEqual({ oldVersion: "0.0.1", newVersion: "0.0.1", changed: false });
    expect(calls).toEqual([]);
  }, 120_000);

  it("leaves the installed version untouched when the digest does not match", async () => {
    serving = { tarball: tarballs.get("0.0.1") as Buffer };
    await updateAgent(options());
    serving = { tarball: tarballs.get("0.0.2") as Buffer, sha256: createHash("sha256").update("something else").digest("hex") };
    const error = await kittError(updateAgent(options()));
    expect(error.code).toBe("DOWNLOAD_FAILED");
    expect(error.message).toMatch(/^the kitt package's sha256 [0-9a-f]{64} does not match the server's [0-9a-f]{64}; nothing installed$/);
    expect(await installedVersion(prefix)).toBe("0.0.1");
    expect(packagesLeft()).toEqual(["kitt-0.0.1.tgz"]);
  }, 120_000);

  it("refuses a package without a digest, one that is not kitt, and a refused token", async () => {
    serving = { tarball: tarballs.get("0.0.1") as Buffer, sha256: "" };
    expect((await kittError(updateAgent(options()))).message).toContain("without a valid X-Kitt-Sha256 header; nothing installed");
    serving = { tarball: tarballs.get("other") as Buffer };
    expect((await kittError(updateAgent(options()))).message).toBe("the server's package is not a kitt release (name not-kitt, version 1.0.0); nothing installed");
    serving = { tarball: tarballs.get("0.0.1") as Buffer };
    const refused = await kittError(updateAgent(options({ token: "kitt_agent_a1_revoked_mac" })));
    expect(refused.message).toBe(`${new URL(url).origin} answered 401 for the kitt package: the agent's token was refused (revoked or rotated?)`);
    expect(await installedVersion(prefix)).toBeUndefined();
    expect(packagesLeft()).toEqual([]);
  });

  it("stops npm at its timeout and keeps no half-installed package", async () => {
    serving = { tarball: tarballs.get("0.0.1") as Buffer };
    const error = await kittError(updateAgent(options({ installTimeoutMs: 1 })));
    expect(error.message).toMatch(/^npm install of kitt into .* failed \(timed out after 1 ms\)/);
    expect(await installedVersion(prefix)).toBeUndefined();
    expect(packagesLeft()).toEqual([]);
  });

  it("fails within its timeout when the server is gone", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    const error = await kittError(updateAgent(options({ server: { url: `http://127.0.0.1:${port}` }, timeoutMs: 2_000 })));
    expect(error.message).toMatch(/^cannot fetch the kitt package from http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  it("fetches over TLS from a server whose certificate matches the pin, and refuses one that does not", async () => {
    const certificate = await selfSignedCertificate({ KITT_HOME: join(base, "tls-home") });
    const other = await selfSignedCertificate({ KITT_HOME: join(base, "other-tls-home") });
    const tls = createHttpsServer({ cert: certificate.cert, key: certificate.key }, servePackage);
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    const tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    try {
      serving = { tarball: tarballs.get("0.0.1") as Buffer };
      const wrong = await kittError(updateAgent(options({ server: { url: tlsUrl, caPin: other.publicKeyPin } })));
      expect(wrong.message).toBe(`cannot fetch the kitt package from ${tlsUrl}: the certificate of 127.0.0.1:${new URL(tlsUrl).port} has SHA-256 fingerprint ${certificate.fingerprint256}, not the pinned ${other.publicKeyPin} (--ca-pin); nothing was sent`);
      expect(requests).toEqual([]);
      expect(await updateAgent(options({ server: { url: tlsUrl, caPin: certificate.publicKeyPin } }))).toMatchObject({ newVersion: "0.0.1", changed: true });
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
  }, 120_000);

  it("lives in $KITT_HOME/agent", () => {
    expect(agentPrefix({ KITT_HOME: "/srv/kitt-home" })).toBe("/srv/kitt-home/agent");
    expect(existsSync(prefix)).toBe(true);
  });
});
