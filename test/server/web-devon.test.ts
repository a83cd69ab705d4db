/**
 * The Devon tab's server side against the Devon emulator: `/devon-app/*` forwards to Devon with
 * the key added here (the emulator sees it, the browser never does), the browser's own
 * credentials stay behind, redirects stay under the proxy; `/api/v1/devon/status` reports a
 * working, a refusing, an unreachable and an unconfigured Devon without a 5xx.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetUrl } from "../../src/server/devon/devon-proxy.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { startDevon, type RunningDevon } from "../emulators/devon.mjs";
import { freePort } from "../emulators/index.mjs";
import { startTestServer, type TestServer } from "./support.js";

const KITT_TOKEN = "kitt-token-for-devon-tests";
const DEVON_KEY = "devon-key-4f9c2a7e1b";

describe("the Devon proxy and status", () => {
  let home: string;
  let store: ResultsStore;
  let devon: RunningDevon;
  let web: TestServer;
  const servers: TestServer[] = [];

  const serve = async (env: NodeJS.ProcessEnv, devonTimeouts?: { headersMs: number; bodyMs: number }) => {
    const server = await startTestServer({ store, authToken: KITT_TOKEN, secureCookies: false, env: { KITT_HOME: home, ...env }, devonTimeouts });
    servers.push(server);
    return server;
  };
  const everything = async (response: Response) => {
    const headers = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`).join("\n");
    return `${headers}\n\n${await response.text()}`;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "kitt-web-devon-"));
    store = await openStore({ url: join(home, "kitt.db") });
    devon = await startDevon({ apiKey: DEVON_KEY });
    web = await serve({ DEVON_URL: devon.url, DEVON_API_KEY: DEVON_KEY });
  });
  afterAll(async () => {
    for (const server of servers) await server.server.close();
    await devon?.close();
    await store?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("adds the key server-side; Devon sees it, never the browser's own Authorization or Cookie", async () => {
    const before = devon.requests.length;
    const response = await web.fetch("/devon-app/api/v1/status", { token: KITT_TOKEN, headers: { cookie: "kitt_session=not-for-devon", "x-trace": "kept" } });
    expect(response.status).toBe(200);
    // kitt's own pages may frame the Devon tab; nothing else may, and kitt's CSP applies to what Devon serves.
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    const text = await everything(response);
    expect(JSON.parse(text.split("\n\n")[1]!)).toEqual({ model_count: 0, total_size_bytes: 0, storage_path: "/data/models", sources: {} });
    expect(text).not.toContain(DEVON_KEY);

    const seen = devon.requests.slice(before);
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual(["GET /api/v1/status"]);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${DEVON_KEY}`);
    expect(seen[0]!.headers.cookie).toBeUndefined();
    expect(seen[0]!.headers["x-trace"]).toBe("kept");
    expect(JSON.stringify(seen[0]!.headers)).not.toContain(KITT_TOKEN);
    expect((await web.fetch("/api/v1/devon/status", { token: KITT_TOKEN })).headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("streams a request body through, for a browser signed in by cookie from kitt's own origin", async () => {
    const login = await web.fetch("/login", { method: "POST", headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" }, body: `token=${KITT_TOKEN}` });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect(cookie).toMatch(/^kitt_session=/);
    const body = JSON.stringify({ model_id: "Qwen/Qwen2.5-0.5B-Instruct-GGUF", include_patterns: ["*q4_k_m*"] });
    const headers = { cookie, origin: web.url, "content-type": "application/json" };
    const download = await web.fetch("/devon-app/api/v1/downloads", { method: "POST", headers, body });
    const text = await everything(download);
    expect(download.status, text).toBe(200);
    expect(text).not.toContain(DEVON_KEY);
    expect(JSON.parse(text.split("\n\n")[1]!)).toMatchObject({ path: "/data/models/huggingface/Qwen/Qwen2.5-0.5B-Instruct-GGUF", files: ["qwen2.5-0.5b-instruct-q4_k_m.gguf"] });
    expect(devon.requests.at(-1)!.body).toBe(body);
    expect(devon.requests.at(-1)!.headers.cookie).toBeUndefined();

    // Devon's own errors come through as Devon wrote them.
    const unknown = await web.fetch("/devon-app/api/v1/models/huggingface/no/such-model", { headers: { cookie } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: "Model not found: huggingface/no/such-model" });
    // CSRF: the same write from another origin never reaches Devon.
    const count = devon.requests.length;
    expect((await web.fetch("/devon-app/api/v1/clean", { method: "POST", headers: { ...headers, origin: "http://evil.example" }, body: '{"all":true}' })).status).toBe(403);
    expect(devon.requests.length).toBe(count);
    expect(devon.local.size).toBe(1);
  });

  it("keeps a redirect into Devon under the proxy", async () => {
    const response = await web.fetch("/devon-app/api/v1/models/?source=huggingface", { token: KITT_TOKEN });
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe("/devon-app/api/v1/models?source=huggingface");
    const followed = await web.fetch(response.headers.get("location")!, { token: KITT_TOKEN });
    expect(((await followed.json()) as { count: number }).count).toBe(1);
  });

  it("needs kitt's own auth: without it nothing reaches Devon", async () => {
    const before = devon.requests.length;
    for (const path of ["/devon-app/api/v1/status", "/devon-app", "/devon-app/health"]) expect((await web.fetch(path)).status, path).toBe(401);
    expect((await web.fetch("/devon-app/api/v1/status", { token: "wrong" })).status).toBe(401);
    expect(devon.requests.length).toBe(before);
  });

  it("status: reachable and authorized, with Devon's version; the key is never in the answer or the settings", async () => {
    const response = await web.fetch("/api/v1/devon/status", { token: KITT_TOKEN });
    const text = await everything(response);
    expect(response.status).toBe(200);
    expect(JSON.parse(text.split("\n\n")[1]!)).toEqual({ configured: true, url: devon.url, reachable: true, status_code: 200, version: "1.4.0", key_set: true, authorized: true, error: null });
    const settings = await everything(await web.fetch("/api/v1/settings", { token: KITT_TOKEN }));
    expect(settings).toContain('"devon_api_key":{"set":true,"source":"env"}');
    expect(settings + text).not.toContain(DEVON_KEY);
  });

  it("status: a wrong key is reported as refused; a key saved in settings wins over DEVON_API_KEY", async () => {
    const wrongKey = await serve({ DEVON_URL: devon.url, DEVON_API_KEY: "not-the-key" });
    const refused = (await (await wrongKey.fetch("/api/v1/devon/status", { token: KITT_TOKEN })).json()) as Record<string, unknown>;
    expect(refused).toMatchObject({ reachable: true, status_code: 401, authorized: false });
    expect(refused.error).toMatch(/^Devon refused the API key \(401\)/);
    expect((await wrongKey.fetch("/devon-app/api/v1/status", { token: KITT_TOKEN })).status).toBe(401);

    const put = await wrongKey.fetch("/api/v1/settings", { method: "PUT", token: KITT_TOKEN, headers: { "content-type": "application/json" }, body: JSON.stringify({ devon_api_key: DEVON_KEY }) });
    expect(await put.text()).not.toContain(DEVON_KEY);
    expect((await (await wrongKey.fetch("/api/v1/devon/status", { token: KITT_TOKEN })).json()) as unknown).toMatchObject({ authorized: true, error: null });
    expect((await wrongKey.fetch("/devon-app/api/v1/status", { token: KITT_TOKEN })).status).toBe(200);
    // Forgotten again, so the other servers on this store see their environment's key.
    await wrongKey.fetch("/api/v1/settings", { method: "PUT", token: KITT_TOKEN, headers: { "content-type": "application/json" }, body: JSON.stringify({ devon_api_key: null }) });
    expect((await (await wrongKey.fetch("/api/v1/devon/status", { token: KITT_TOKEN })).json()) as unknown).toMatchObject({ authorized: false });
  });

  it("an unreachable Devon is a clear status and a 502 from the proxy, never a 500", async () => {
    const closedPort = await freePort();
    const gone = await serve({ DEVON_URL: `http://127.0.0.1:${closedPort}`, DEVON_API_KEY: DEVON_KEY });
    const status = await gone.fetch("/api/v1/devon/status", { token: KITT_TOKEN });
    expect(status.status).toBe(200);
    const body = (await status.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ configured: true, reachable: false, status_code: null, authorized: null });
    expect(body.error).toBe(`cannot reach Devon at http://127.0.0.1:${closedPort}: connect ECONNREFUSED 127.0.0.1:${closedPort}`);
    const proxied = await gone.fetch("/devon-app/api/v1/status", { token: KITT_TOKEN });
    expect(proxied.status).toBe(502);
    expect(((await proxied.json()) as { error: string }).error).toMatch(/^cannot reach Devon at .*ECONNREFUSED/);
  });

  it("a Devon that accepts and never answers times out with 504 and a clear status", async () => {
    const silent = net.createServer(() => undefined);
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const { port } = silent.address() as net.AddressInfo;
    try {
      const stuck = await serve({ DEVON_URL: `http://127.0.0.1:${port}` }, { headersMs: 300, bodyMs: 300 });
      const proxied = await stuck.fetch("/devon-app/api/v1/status", { token: KITT_TOKEN });
      expect(proxied.status).toBe(504);
      expect(await proxied.json()).toEqual({ error: `Devon at http://127.0.0.1:${port} gave no answer within 0.3 s` });
    } finally {
      silent.close();
    }
  });

  it("malformed paths, methods and bodies through the proxy never get a 5xx, and no answer holds the key", async () => {
    const paths = ["/devon-app", "/devon-app/", "/devon-app/api/v1/models/huggingface/%2e%2e%2f%2e%2e", "/devon-app/api/v1/downloads", "/devon-app//evil.example/x", "/devon-app/api/v1/search?limit=-1&query=%00", "/devon-app/api/v1/clean", "/devon-app/api/v1/export", "/devon-app/%ZZ", "/devon-app/api/v1/models/x/y/", "/devon-app/health?x=<script>"];
    const bodies = ["", "{", "null", "[]", '{"model_id":7}', '{"format":"xml"}', '{"days":-1}', "\u0000\u0001", "x".repeat(100_000)];
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];
    const failures: string[] = [];
    let sent = 0;
    for (const path of paths) {
      for (const method of methods) {
        for (const body of method === "GET" || method === "HEAD" ? [undefined] : bodies) {
          const response = await web.fetch(path, { method, token: KITT_TOKEN, headers: { "content-type": "application/json" }, body });
          sent++;
          const text = await everything(response);
          if (response.status >= 500) failures.push(`${method} ${path} → ${response.status}`);
          if (text.includes(DEVON_KEY)) failures.push(`${method} ${path}: key in the answer`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(300);
    // Every request went to Devon's own origin.
    expect(devon.requests.every((request) => !request.path.includes("evil.example") || request.path.startsWith("//evil.example"))).toBe(true);
  });

  it("maps /devon-app/REST onto Devon's base path and never off Devon's origin", () => {
    expect(targetUrl("http://devon.lan:8000/base/", "http://kitt:8080/devon-app/api/v1/models?source=huggingface").href).toBe("http://devon.lan:8000/base/api/v1/models?source=huggingface");
    expect(targetUrl("http://devon.lan:8000", "http://kitt:8080/devon-app").href).toBe("http://devon.lan:8000/");
    expect(targetUrl("http://devon.lan:8000", "http://kitt:8080/devon-app//evil.example/x").origin).toBe("http://devon.lan:8000");
    expect(targetUrl("http://devon.lan:8000/base", "http://kitt:8080/devon-app/%2e%2e%2fadmin").href).toBe("http://devon.lan:8000/base/%2e%2e%2fadmin");
  });

  it("with no Devon URL the proxy answers 404 saying how to set one, and the status says not configured", async () => {
    const none = await serve({});
    const proxied = await none.fetch("/devon-app/api/v1/status", { token: KITT_TOKEN });
    expect(proxied.status).toBe(404);
    expect(await proxied.json()).toEqual({ error: "no Devon URL is set: save devon_url in Settings (PUT /api/v1/settings) or set DEVON_URL" });
    expect(await (await none.fetch("/api/v1/devon/status", { token: KITT_TOKEN })).json()).toMatchObject({ configured: false, reachable: false, url: null, key_set: false });
    // An invalid DEVON_URL is named, not used.
    const invalid = await serve({ DEVON_URL: "ftp://devon.example" });
    expect(((await (await invalid.fetch("/devon-app/x", { token: KITT_TOKEN })).json()) as { error: string }).error).toMatch(/^DEVON_URL is not valid \(must be an http:\/\/ or https:\/\/ URL/);
  });
});
