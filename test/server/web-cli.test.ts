/**
 * `kitt web` as a user starts it (the built CLI): the refusal to serve beyond loopback without a
 * token, clean shutdown on signals, `--tls` with a pinned fingerprint, and token commands.
 */
import { stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/errors.js";
import { selfSignedCertificate } from "../../src/server/tls/certificate.js";
import { runKitt, startKitt, tempKittHome, type KittRun } from "../support/cli.js";

const started: KittRun[] = [];
afterEach(async () => {
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    await run.done;
  }
});

function web(args: string[], env: Record<string, string | undefined>): KittRun {
  const run = startKitt(["web", "--port", "0", ...args], { KITT_AUTH_TOKEN: undefined, ...env });
  started.push(run);
  return run;
}

async function servingUrl(run: KittRun): Promise<URL> {
  const line = await run.waitFor(/serving (https?:\/\/\S+) /, 30_000);
  return new URL(/serving (\S+)/.exec(line)![1]!);
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/** A request over HTTPS, trusting the server only if its certificate has the pinned SHA-256 fingerprint. */
function pinnedRequest(
  url: URL,
  fingerprint: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? "GET", headers: init.headers, rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers["set-cookie"] ?? [] }));
    });
    req.on("socket", (socket) => {
      socket.once("secureConnect", () => {
        const presented = (socket as TLSSocket).getPeerCertificate().fingerprint256;
        if (presented !== fingerprint) req.destroy(new Error(`certificate fingerprint ${presented} is not the pinned ${fingerprint}`));
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(init.body);
  });
}

const pinnedGet = async (url: URL, fingerprint: string) => {
  const { status, body } = await pinnedRequest(url, fingerprint);
  return { status, body };
};

describe("kitt web", () => {
  it("refuses to listen on 0.0.0.0 without a token, with one line and its own exit code; --insecure warns and serves", async () => {
    const home = tempKittHome();
    const refusal = await runKitt(["web", "--host", "0.0.0.0", "--port", "0"], { KITT_HOME: home, KITT_AUTH_TOKEN: undefined });
    expect(refusal.code).toBe(EXIT_CODES.UNSAFE_BIND);
    expect(refusal.stderr.trim().split("\n")).toHaveLength(1);
    expect(refusal.stderr).toContain("refusing to serve on 0.0.0.0 without a token");
    expect(refusal.stdout).toBe("");

    const insecure = web(["--host", "0.0.0.0", "--insecure"], { KITT_HOME: home });
    const url = await servingUrl(insecure);
    expect(insecure.stderr()).toContain("warning: serving on 0.0.0.0 with no token");
    const health = await fetch(`http://127.0.0.1:${url.port}/api/v1/health`);
    expect(health.status).toBe(200);
    insecure.child.kill("SIGTERM");
    expect((await insecure.done).code).toBe(143);
  });

  it("a token stored with 'kitt web token create' counts as configured: 0.0.0.0 is served, the token is printed once and never listed", async () => {
    const home = tempKittHome();
    const created = await runKitt(["web", "token", "create", "laptop"], { KITT_HOME: home });
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^kitt_\S{43}$/);
    expect(created.stderr).not.toContain(token);
    const listed = await runKitt(["web", "token", "list", "--json"], { KITT_HOME: home });
    expect(JSON.parse(listed.stdout)).toEqual([{ name: "laptop", prefix: token.slice(0, 8), created_at: expect.any(Number) }]);
    expect(listed.stdout).not.toContain(token);
    expect((await runKitt(["web", "token", "create", "laptop"], { KITT_HOME: home })).code).toBe(EXIT_CODES.USAGE);

    const server = web(["--host", "0.0.0.0"], { KITT_HOME: home });
    const url = await servingUrl(server);
    const base = `http://127.0.0.1:${url.port}/api/v1/runs`;
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(base, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(server.stdout() + server.stderr()).not.toContain(token);

    expect((await runKitt(["web", "token", "revoke", "laptop"], { KITT_HOME: home })).code).toBe(0);
    expect((await fetch(base, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await runKitt(["web", "token", "revoke", "laptop"], { KITT_HOME: home })).code).toBe(EXIT_CODES.NOT_FOUND);
  });

  it("Ctrl+C closes the server, open keep-alive connections included, and frees the port", async () => {
    const server = web([], { KITT_HOME: tempKittHome() });
    const url = await servingUrl(server);
    expect(server.stdout()).toMatch(/^kitt web: serving http:\/\/127\.0\.0\.1:\d+ /);
    const port = Number(url.port);
    // A client that keeps its connection open must not hold the shutdown up.
    const idle: Socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => idle.once("connect", resolve));
    server.child.kill("SIGINT");
    const done = await server.done;
    expect(done.code).toBe(130);
    expect(done.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(await refused(port)).toBe(true);
    idle.destroy();
  });

  it("--tls serves HTTPS with a certificate made once (key 0600); a client pinning the printed fingerprint connects; plain HTTP fails cleanly", async () => {
    const home = tempKittHome();
    const server = web(["--tls"], { KITT_HOME: home, KITT_AUTH_TOKEN: "secret-token" });
    const url = await servingUrl(server);
    expect(url.protocol).toBe("https:");
    const fingerprint = /SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(await server.waitFor(/SHA-256 fingerprint \S+/))![1]!;
    expect(server.stdout()).toMatch(/--pinnedpubkey 'sha256\/\/[A-Za-z0-9+/]{43}='/);
    expect((await stat(join(home, "tls", "kitt-web.key"))).mode & 0o777).toBe(0o600);

    const health = await pinnedGet(new URL("/api/v1/health", url), fingerprint);
    expect(health).toEqual({ status: 200, body: '{"status":"ok"}' });
    await expect(pinnedGet(new URL("/api/v1/health", url), fingerprint.replace(/^../, "00"))).rejects.toThrow("is not the pinned");

    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: "127.0.0.1", port: url.port, path: "/api/v1/health", timeout: 10_000 }, (res) => {
        res.resume();
        resolve(`status ${res.statusCode}`);
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (error) => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      req.end();
    });
    expect(plain).toMatch(/^error (ECONNRESET|EPIPE)$|^status 400$/);
    // The server shrugged it off.
    expect((await pinnedGet(new URL("/api/v1/health", url), fingerprint)).status).toBe(200);
    // Under TLS the session cookie is Secure as well.
    const login = await pinnedRequest(new URL("/login", url), fingerprint, {
      method: "POST",
      headers: { origin: url.origin, "content-type": "application/x-www-form-urlencoded" },
      body: "token=secret-token",
    });
    expect(login.status).toBe(303);
    expect(login.setCookie.join("\n")).toMatch(/kitt_session=.*; HttpOnly; Secure; SameSite=Strict/);
    server.child.kill("SIGTERM");
    const done = await server.done;
    expect(done.stderr).not.toMatch(/at .*\.js:\d+/);

    // Reused on the next start, and the same files work through --tls-cert/--tls-key.
    const again = web(["--tls"], { KITT_HOME: home, KITT_AUTH_TOKEN: "secret-token" });
    await servingUrl(again);
    expect(await again.waitFor(/SHA-256 fingerprint \S+/)).toContain(fingerprint);
    again.child.kill("SIGTERM");
    await again.done;
    const given = web(["--tls-cert", join(home, "tls", "kitt-web.crt"), "--tls-key", join(home, "tls", "kitt-web.key")], { KITT_HOME: tempKittHome(), KITT_AUTH_TOKEN: "secret-token" });
    const givenUrl = await servingUrl(given);
    expect((await pinnedGet(new URL("/api/v1/health", givenUrl), fingerprint)).status).toBe(200);
  });

  it("a key that is not the certificate's is refused with one line, not a stack trace", async () => {
    const [first, second] = [tempKittHome(), tempKittHome()];
    const a = await selfSignedCertificate({ KITT_HOME: first });
    const b = await selfSignedCertificate({ KITT_HOME: second });
    expect(a.fingerprint256).not.toBe(b.fingerprint256);
    const run = await runKitt(["web", "--port", "0", "--tls-cert", a.certPath, "--tls-key", b.keyPath], { KITT_HOME: first });
    expect(run.code).toBe(EXIT_CODES.CONFIG_INVALID);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("cannot serve HTTPS with");
  });
});
