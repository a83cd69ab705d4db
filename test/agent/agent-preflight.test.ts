import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createColors } from "picocolors";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { checkNode, formatPreflight, preflightPassed, runAgentPreflight, type PreflightCheck } from "../../src/agent/agent-preflight.js";
import { GPU_QUERY_FIELDS, gpuQueryArgs } from "../../src/hardware/nvidia-gpu-query.js";
import { selfSignedCertificate } from "../../src/server/tls/certificate.js";
import { nvidiaSmiFixture, recordedRunner, succeeded } from "../hardware/recorded-host.js";
import { startKitt, tempKittHome, type KittRun } from "../support/cli.js";
import { freePort } from "../support/llama.js";

const QUERY = ["nvidia-smi", ...gpuQueryArgs(GPU_QUERY_FIELDS)].join(" ");
const noGpu = recordedRunner({});
const plain = createColors(false);
let modelDir: string;

beforeAll(() => {
  modelDir = mkdtempSync(join(tmpdir(), "kitt-preflight-"));
});
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
});

const byName = (checks: PreflightCheck[], name: string) => checks.find((check) => check.name === name) as PreflightCheck;

describe("agent preflight", () => {
  it("lists the GPUs, and warns (not fails) when there are none", async () => {
    const gpus = recordedRunner({ [QUERY]: succeeded(nvidiaSmiFixture("query-rtx4090-x2.csv")), "nvidia-smi": succeeded(nvidiaSmiFixture("smi-rtx4090-x2.txt")) });
    expect(byName(await runAgentPreflight({ modelDir, run: gpus }), "gpus")).toEqual({
      name: "gpus",
      status: "ok",
      detail: "2 × NVIDIA GeForce RTX 4090, driver 550.163.01, CUDA 12.4",
    });
    expect(byName(await runAgentPreflight({ modelDir, run: noGpu }), "gpus")).toEqual({
      name: "gpus",
      status: "warn",
      detail: "no NVIDIA GPU (nvidia-smi not found): tests run on the CPU",
    });
    // This machine's own nvidia-smi, whatever it has: never a failure.
    expect(["ok", "warn"]).toContain(byName(await runAgentPreflight({ modelDir }), "gpus").status);
  });

  it("checks free space in the model directory", async () => {
    const roomy = byName(await runAgentPreflight({ modelDir, run: noGpu, minFreeGb: 0 }), "disk");
    expect(roomy.status).toBe("ok");
    expect(roomy.detail).toMatch(new RegExp(`^\\d+\\.\\d GB free in ${modelDir}$`));
    const tight = byName(await runAgentPreflight({ modelDir, run: noGpu, minFreeGb: 1e9 }), "disk");
    expect(tight).toMatchObject({ status: "warn", detail: expect.stringContaining("less than 1000000000 GB") });
    const missing = byName(await runAgentPreflight({ modelDir: join(modelDir, "absent"), run: noGpu }), "disk");
    expect(missing).toEqual({ name: "disk", status: "fail", detail: `the model directory ${join(modelDir, "absent")} cannot be read (ENOENT)` });
  });

  it("wants Node 20.19 or newer", () => {
    expect(checkNode("20.19.0").status).toBe("ok");
    expect(checkNode("v22.1.0").status).toBe("ok");
    expect(checkNode("20.18.3")).toEqual({ status: "fail", detail: "Node 20.18.3 is too old: kitt needs Node >= 20.19.0" });
    expect(checkNode("18.20.4").status).toBe("fail");
  });

  it("reports Docker's version, or why no daemon answers", async () => {
    let expected: PreflightCheck;
    try {
      const version = JSON.parse(execFileSync("docker", ["info", "--format", "{{json .ServerVersion}}"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as string;
      expected = { name: "docker", status: "ok", detail: `Docker ${version}` };
    } catch {
      expected = { name: "docker", status: "fail", detail: expect.stringMatching(/^(no Docker daemon answers|cannot run 'docker')/) };
    }
    expect(byName(await runAgentPreflight({ modelDir, run: noGpu }), "docker")).toEqual(expected);
    vi.stubEnv("KITT_DOCKER", join(modelDir, "no-docker-here"));
    const missing = byName(await runAgentPreflight({ modelDir, run: noGpu }), "docker");
    expect(missing.status).toBe("fail");
    expect(missing.detail).toContain(`cannot run '${join(modelDir, "no-docker-here")}'`);
  });

  it("prints one line per check and says whether the machine is ready", () => {
    const checks: PreflightCheck[] = [
      { name: "docker", status: "ok", detail: "Docker 27.3.1" },
      { name: "gpus", status: "warn", detail: "no NVIDIA GPU" },
    ];
    expect(formatPreflight(checks, plain)).toBe("ok    docker  Docker 27.3.1\nwarn  gpus    no NVIDIA GPU\nready, with 1 warning(s)\n");
    expect(preflightPassed(checks)).toBe(true);
    const failed = [...checks, { name: "node", status: "fail" as const, detail: "too old" }];
    expect(formatPreflight(failed, plain)).toContain("fail  node    too old\n1 check(s) failed: this machine cannot run tests yet\n");
    expect(preflightPassed(failed)).toBe(false);
  });
});

describe("the server's reachability", () => {
  let web: KittRun;
  let url: string;
  let home: string;

  beforeAll(async () => {
    home = tempKittHome();
    web = startKitt(["web", "--port", "0", "--tls"], { KITT_HOME: home, KITT_AUTH_TOKEN: "preflight-token" });
    const line = await web.waitFor(/serving (https:\/\/\S+) /, 30_000);
    url = /serving (\S+)/.exec(line)?.[1] as string;
  }, 60_000);
  afterAll(async () => {
    web.child.kill("SIGTERM");
    await web.done;
    rmSync(home, { recursive: true, force: true });
  });

  const server = async (target: { url: string; caPin?: string }, timeoutMs = 5_000) =>
    byName(await runAgentPreflight({ modelDir, run: noGpu, server: target, timeoutMs }), "server");

  it("reaches kitt web over TLS with its public-key pin or its fingerprint", async () => {
    const certificate = await selfSignedCertificate({ KITT_HOME: home });
    const origin = new URL(url).origin;
    expect(await server({ url, caPin: certificate.publicKeyPin })).toMatchObject({ status: "ok", detail: expect.stringMatching(new RegExp(`^${origin} reachable in \\d+ ms, certificate matches the pin$`)) });
    expect((await server({ url, caPin: certificate.fingerprint256 })).status).toBe("ok");
  });

  it("refuses a certificate that does not match the pin, and an unpinned self-signed one", async () => {
    const other = await selfSignedCertificate({ KITT_HOME: tempKittHome() });
    const origin = new URL(url).origin;
    expect(await server({ url, caPin: other.publicKeyPin })).toEqual({
      name: "server",
      status: "fail",
      detail: `${origin} unreachable: the certificate of 127.0.0.1:${new URL(url).port} has SHA-256 fingerprint ${(await selfSignedCertificate({ KITT_HOME: home })).fingerprint256}, not the pinned ${other.publicKeyPin} (--ca-pin); nothing was sent`,
    });
    expect((await server({ url })).detail).toMatch(/SELF_SIGNED_CERT.*: pin the server's certificate with --ca-pin$/);
    expect(await server({ url, caPin: "sha256//nope" })).toMatchObject({ status: "fail", detail: expect.stringContaining("is not a certificate pin") });
  });

  it("fails on a closed port and on a server that never answers, within the timeout", async () => {
    const closed = await freePort();
    expect(await server({ url: `http://127.0.0.1:${closed}` })).toMatchObject({ status: "fail", detail: expect.stringContaining("ECONNREFUSED") });
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    try {
      expect(await server({ url: `http://127.0.0.1:${port}` }, 500)).toEqual({ name: "server", status: "fail", detail: `http://127.0.0.1:${port} unreachable: no answer within 500 ms` });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });
});
