/**
 * The `kitt web` REST API against a real server on a free port, over SQLite and PostgreSQL
 * (skipped without a PostgreSQL server, except in CI): auth on every route, stored tokens,
 * CSRF, security headers, answers identical to the CLI's, the OpenAPI document, and a fuzz
 * run that must never get a 5xx.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareCommand } from "../../src/cli/commands/compare.js";
import { recommendCommand } from "../../src/cli/commands/recommend.js";
import { reportCommand } from "../../src/cli/commands/report.js";
import { resultsItemsCommand } from "../../src/cli/commands/results-items.js";
import { resultsListCommand, resultsQueryCommand } from "../../src/cli/commands/results.js";
import { storageShowCommand } from "../../src/cli/commands/storage-list.js";
import { webTokenCreateCommand, webTokenRevokeCommand } from "../../src/cli/commands/web-token.js";
import { Validator } from "@seriousme/openapi-schema-validator";
import { uniformSampler } from "../../src/models/seeded-random.js";
import { OPENAPI_PATH, PUBLIC_PATHS } from "../../src/server/app.js";
import { ASSET_PATHS } from "../../src/server/pages/assets.js";
import { FailureLimiter } from "../../src/server/auth/failure-limiter.js";
import { JobRunner } from "../../src/server/jobs/job-runner.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { allBackends } from "../store/backends.js";
import { runKitt, tempKittHome } from "../support/cli.js";
import { concretePath, registeredRoutes, runWithItems, startTestServer, stdoutOf, storeFixtures, type TestServer } from "./support.js";

const backends = await allBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

const ENV_TOKEN = "configured-token-for-tests";

describe.each(backends)("kitt web API on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  let db: string;
  let store: ResultsStore;
  let web: TestServer;
  let jobs: JobRunner;
  let itemsRunId: string;

  beforeAll(async () => {
    if (!backend.available) return;
    db = await backend.freshUrl();
    store = await openStore({ url: db });
    await store.importPath(storeFixtures);
    itemsRunId = (await store.importPath(await runWithItems()))[0]!.id;
    // Job routes take part in every route test; an empty model directory means no request is ever run.
    const home = tempKittHome();
    jobs = await JobRunner.start({ store, env: { ...process.env, KITT_HOME: home }, modelDir: () => home });
    web = await startTestServer({ store, authToken: ENV_TOKEN, secureCookies: false, jobs });
  });
  afterAll(async () => {
    await web?.server.close();
    await jobs?.close();
    await store?.close();
  });

  const json = async (response: Response) => {
    const text = await response.text();
    expect(response.headers.get("content-type") ?? "", text).toContain("application/json");
    return JSON.parse(text) as unknown;
  };
  const get = async (path: string) => {
    const response = await web.fetch(path, { token: ENV_TOKEN });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
    return json(response);
  };

  test("every registered route but health, version and login answers 401 without a token", async () => {
    const routes = registeredRoutes(web.app);
    expect(routes.length).toBeGreaterThanOrEqual(17);
    expect(routes).toContainEqual({ method: "POST", path: "/api/v1/jobs/:id/cancel" });
    // Agents' routes answer 401 without their token or an enrolment code, people's routes for agents without a person's token.
    for (const path of ["/api/v1/agent/register", "/api/v1/agent/heartbeat", "/api/v1/agent/jobs/:id/events", "/api/v1/agents/enrolments", "/api/v1/agents/:id/rotate-token"]) {
      expect(routes).toContainEqual({ method: "POST", path });
    }
    expect(routes).toContainEqual({ method: "PUT", path: "/api/v1/agent/jobs/:id/results" });
    expect(routes).toContainEqual({ method: "GET", path: "/api/v1/agent/install.sh" });
    for (const { method, path } of routes) {
      const response = await web.fetch(concretePath(path), { method, headers: { "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
      if (PUBLIC_PATHS.has(path)) expect(response.status, `${method} ${path}`).not.toBe(401);
      else expect(response.status, `${method} ${path}`).toBe(401);
    }
    expect([...PUBLIC_PATHS].sort()).toEqual(["/api/v1/health", "/api/v1/version", "/login", "/logout", ...ASSET_PATHS].sort());
    expect(ASSET_PATHS.every((path) => path.startsWith("/assets/"))).toBe(true);
    expect(await json(await web.fetch("/api/v1/health"))).toEqual({ status: "ok" });
  });

  test("a token made by 'kitt web token create' is accepted, stored only as its SHA-256 hash, and refused once revoked", async () => {
    const token = (await stdoutOf(() => webTokenCreateCommand("ci-agent", { db }))).trim();
    expect(token).toMatch(/^kitt_[A-Za-z0-9_-]{43}$/);
    expect((await web.fetch("/api/v1/runs", { token })).status).toBe(200);

    const rows = await store.db.selectFrom("web_tokens").selectAll().execute();
    expect(rows.map((row) => row.name)).toEqual(["ci-agent"]);
    expect(rows[0]!.hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(token.slice(8));
    const documents = await store.db.selectFrom("raw_documents").select("content").execute();
    expect(documents.some((doc) => doc.content.includes(token))).toBe(false);

    await stdoutOf(() => webTokenRevokeCommand("ci-agent", { db }));
    expect((await web.fetch("/api/v1/runs", { token })).status).toBe(401);
  });

  test("a browser session: login sets an HttpOnly SameSite=Strict cookie; a cross-origin POST with it is refused", async () => {
    const login = await web.fetch("/login", {
      method: "POST",
      headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: ENV_TOKEN }).toString(),
    });
    expect(login.status).toBe(303);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^kitt_session=[^;]+;/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).not.toContain("Secure");
    const cookie = setCookie.split(";")[0]!;

    expect((await web.fetch("/api/v1/runs", { headers: { cookie } })).status).toBe(200);
    const ids = ((await get("/api/v1/runs")) as { runs: Array<{ id: string }> }).runs.map((run) => run.id);
    const body = JSON.stringify({ runs: ids.slice(0, 2) });
    const headers = { cookie, "content-type": "application/json" };
    const crossOrigin = await web.fetch("/api/v1/compare", { method: "POST", headers: { ...headers, origin: "http://evil.example" }, body });
    expect(crossOrigin.status).toBe(403);
    expect((await web.fetch("/api/v1/compare", { method: "POST", headers, body })).status).toBe(403);
    expect((await web.fetch(`/api/v1/runs/${ids[0]}`, { method: "DELETE", headers: { cookie, origin: "http://evil.example" } })).status).toBe(403);
    expect((await web.fetch("/api/v1/compare", { method: "POST", headers: { ...headers, origin: web.url }, body })).status).toBe(200);

    const wrongLogin = await web.fetch("/login", { method: "POST", headers: { origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" }, body: `token=${ENV_TOKEN}` });
    expect(wrongLogin.status).toBe(403);
  });

  test("every response carries a strict CSP, X-Content-Type-Options and Referrer-Policy", async () => {
    const responses = [
      await web.fetch("/api/v1/health"),
      await web.fetch("/api/v1/runs"),
      await web.fetch("/api/v1/runs?limit=0", { token: ENV_TOKEN }),
      await web.fetch("/no/such/page", { token: ENV_TOKEN }),
      await web.fetch("/login"),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 401, 400, 404, 200]);
    for (const response of responses) {
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    }
    expect(await responses[4]!.text()).not.toContain("<script");
  });

  test("runs come back exactly as 'kitt results list --json' shows them, filtered and paged", async () => {
    for (const query of ["", "engine=llama_cpp", "model=kitt-tiny-llama.gguf&suite=quick", "since=2026-01-01", "hardware=h100"]) {
      const params = new URLSearchParams(query);
      const cli = JSON.parse(await stdoutOf(() => resultsListCommand({ db, json: true, ...Object.fromEntries(params) }))) as unknown[];
      const api = (await get(`/api/v1/runs?${query}`)) as { runs: unknown[]; next_cursor: string | null };
      expect(api.runs, query).toEqual(cli);
      expect(api.next_cursor).toBeNull();
    }
    // And the built CLI, as a user runs it, prints the same runs.
    const printed = await runKitt(["results", "list", "--json", "--db", db]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(((await get("/api/v1/runs")) as { runs: unknown[] }).runs).toEqual(JSON.parse(printed.stdout));

    const all = ((await get("/api/v1/runs")) as { runs: Array<{ id: string }> }).runs.map((run) => run.id);
    expect(all.length).toBe(5);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await get(`/api/v1/runs?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`)) as { runs: Array<{ id: string }>; next_cursor: string | null };
      paged.push(...page.runs.map((run) => run.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(paged).toEqual(all);
    // A run stored between two pages neither shifts the next page nor repeats a run.
    const first = (await get("/api/v1/runs?limit=2")) as { runs: Array<{ id: string }>; next_cursor: string };
    const newer = (await store.importPath(await runWithItems("2026-12-01T00:00:00.000Z")))[0]!.id;
    const second = (await get(`/api/v1/runs?limit=2&cursor=${first.next_cursor}`)) as { runs: Array<{ id: string }> };
    expect(second.runs.map((run) => run.id)).toEqual(all.slice(2, 4));
    expect((await web.fetch(`/api/v1/runs/${newer}`, { method: "DELETE", token: ENV_TOKEN })).status).toBe(200);
    expect((await web.fetch("/api/v1/runs?cursor=bm90LWEtY3Vyc29y", { token: ENV_TOKEN })).status).toBe(400);
    // A cursor made up to carry a NUL (which PostgreSQL refuses with an error) is refused first.
    const forged = Buffer.from(JSON.stringify({ t: 1, i: "a\u0000" })).toString("base64url");
    expect((await web.fetch(`/api/v1/runs?cursor=${forged}`, { token: ENV_TOKEN })).status).toBe(400);
  });

  test("one run, its items, compare, query and recommend answer what the CLI prints", async () => {
    const ids = ((await get("/api/v1/runs")) as { runs: Array<{ id: string }> }).runs.map((run) => run.id);
    expect(await get(`/api/v1/runs/${ids[1]}`)).toEqual(JSON.parse(await stdoutOf(() => storageShowCommand(ids[1]!, { db, json: true }))));

    const cliItems = (await stdoutOf(() => resultsItemsCommand(itemsRunId, { db, json: true, wrong: true }))).trim().split("\n").map((line) => JSON.parse(line) as unknown);
    const apiItems = (await get(`/api/v1/runs/${itemsRunId.slice(0, 12)}/items?wrong=true`)) as { items: Array<{ key: string }>; total: number };
    expect(apiItems.items).toEqual(cliItems);
    expect(apiItems.items.map((item) => item.key)).toEqual(["doc-1"]);
    expect(((await get(`/api/v1/runs/${itemsRunId}/items`)) as { total: number }).total).toBe(3);
    expect((await web.fetch(`/api/v1/runs/${ids.find((id) => id !== itemsRunId)}/items?test=none`, { token: ENV_TOKEN })).status).toBe(404);

    const pair = [ids.find((id) => id !== itemsRunId)!, itemsRunId];
    const cliCompare = JSON.parse(await stdoutOf(() => compareCommand(pair, { db, format: "json" }))) as unknown;
    const compare = await web.fetch("/api/v1/compare", { method: "POST", token: ENV_TOKEN, headers: { "content-type": "application/json" }, body: JSON.stringify({ runs: pair }) });
    expect(compare.status).toBe(200);
    expect(await compare.json()).toEqual(cliCompare);

    const cliQuery = JSON.parse(await stdoutOf(() => resultsQueryCommand({ db, json: true, groupBy: "engine", metric: "avg_tps", agg: "max" }))) as unknown[];
    expect(cliQuery.length).toBeGreaterThan(0);
    expect(await get("/api/v1/query?group_by=engine&metric=avg_tps&agg=max")).toEqual({ groups: cliQuery });

    const cliRecommend = JSON.parse(await stdoutOf(() => recommendCommand({ db, json: true, limit: 500 }))) as unknown[];
    expect(cliRecommend.length).toBeGreaterThan(0);
    expect(await get("/api/v1/recommend")).toEqual({ candidates: cliRecommend });
  });

  test("a run's report downloads exactly as 'kitt report --format …' writes it", async () => {
    for (const format of ["html", "md", "json", "csv"] as const) {
      const cli = await stdoutOf(() => reportCommand(itemsRunId, { db, format }));
      const response = await web.fetch(`/api/v1/runs/${itemsRunId.slice(0, 10)}/report?format=${format}`, { token: ENV_TOKEN });
      expect(response.status, format).toBe(200);
      expect(response.headers.get("content-disposition")).toBe(`attachment; filename="kitt-${itemsRunId.slice(0, 8)}.${format}"`);
      expect(await response.text()).toBe(cli);
    }
    expect((await web.fetch(`/api/v1/runs/${itemsRunId}/report?format=pdf`, { token: ENV_TOKEN })).status).toBe(400);
    // A path is never read as a results folder.
    expect((await web.fetch(`/api/v1/runs/${encodeURIComponent(storeFixtures)}/report`, { token: ENV_TOKEN })).status).toBe(400);
  });

  test("a run is deleted with its full id only", async () => {
    const extra = (await store.importPath(await runWithItems("2026-03-02T10:00:00.000Z")))[0]!;
    expect((await web.fetch(`/api/v1/runs/${extra.id.slice(0, 8)}`, { method: "DELETE", token: ENV_TOKEN })).status).toBe(404);
    const deleted = await web.fetch(`/api/v1/runs/${extra.id}`, { method: "DELETE", token: ENV_TOKEN });
    expect(await deleted.json()).toEqual({ deleted: extra.id });
    expect((await web.fetch(`/api/v1/runs/${extra.id}`, { token: ENV_TOKEN })).status).toBe(404);
  });

  test("the OpenAPI 3.1 document validates against the OpenAPI 3.1 schema and describes every API route", async () => {
    const doc = (await get(OPENAPI_PATH)) as OpenApiDocument;
    expect(doc.openapi).toBe("3.1.0");
    const validation = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(validation.valid, JSON.stringify(validation.errors)).toBe(true);
    expect(typeof doc.info.title).toBe("string");
    expect(typeof doc.info.version).toBe("string");
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path.startsWith("/")).toBe(true);
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries(item)) {
        expect(["get", "put", "post", "delete", "patch", "head", "options"]).toContain(method);
        documented.add(`${method.toUpperCase()} /api/v1${path.replace(/\{([^}]+)\}/g, ":$1")}`);
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof response.description).toBe("string");
        }
        const declared = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        expect(declared.sort()).toEqual([...pathParams].sort());
        for (const parameter of operation.parameters ?? []) expect(["path", "query", "header", "cookie"]).toContain(parameter.in);
      }
    }
    const text = JSON.stringify(doc);
    for (const ref of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components?.schemas?.[ref[1]!], ref[1]).toBeDefined();
    const apiRoutes = registeredRoutes(web.app)
      .filter((route) => route.path.startsWith("/api/v1/") && route.path !== OPENAPI_PATH)
      .map((route) => `${route.method} ${route.path}`);
    expect([...documented].sort()).toEqual(apiRoutes.sort());
  });

  test("wrong tokens are limited per address: 429 after ten, even for the right token", async () => {
    const limited = await startTestServer({ store, authToken: ENV_TOKEN, secureCookies: false, limiter: new FailureLimiter(10, 60_000) });
    try {
      for (let i = 0; i < 10; i++) expect((await limited.fetch("/api/v1/runs", { token: `wrong-${i}` })).status).toBe(401);
      const blocked = await limited.fetch("/api/v1/runs", { token: ENV_TOKEN });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await limited.server.close();
    }
  });

  test("120 malformed paths, queries and bodies to every route (over 1,000 in all) never get a 5xx", async () => {
    const routes = registeredRoutes(web.app);
    const random = uniformSampler(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const craftedCursor = Buffer.from(JSON.stringify({ t: 1, i: "\u0000" })).toString("base64url");
    const junk = ["", "%00", craftedCursor, "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "%ZZ", "💥", "a".repeat(5000), "-1", "1e309", "NaN", "null", "[]", "{}", "true", "<script>", "' OR 1=1 --", "%", "%25", "\u0000", "__proto__", "constructor"];
    const bodies = ["", "{", "null", "[]", '{"runs":null}', '{"runs":[1,2]}', '{"runs":["a"]}', '{"runs":["%","_"]}', JSON.stringify({ runs: Array(60).fill("x") }), '{"__proto__":{"x":1}}', "\u0000\u0001", "x".repeat(2_000_000), '{"runs":["' + "a".repeat(300) + '","b"]}', '{"engine":"llama_cpp","model":"../../etc/passwd"}', '{"engine":"llama_cpp","model":"\\u0000"}', '{"engine":"llama_cpp","model":"x.gguf","runtime":"endpoint","url":"http://127.0.0.1:1"}', '{"engine":"llama_cpp","model":"x.gguf","tests":[],"options":{"port":1e309}}'];
    const contentTypes = ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/json; charset=utf-16", ""];
    let sent = 0;
    const failures: string[] = [];
    for (const { method, path } of routes) {
      for (let i = 0; i < 120; i++) {
        const target = concretePath(path, pick(junk)).replace(/\/\//g, "/") || "/";
        const query = Array.from({ length: Math.floor(random() * 4) }, () => `${encodeURIComponent(pick(["limit", "cursor", "since", "status", "engine", "wrong", "run", "group_by", "metric", "agg", "max_vram", "min_accuracy", pick(junk)]))}=${encodeURIComponent(pick(junk))}`).join("&");
        const raw = random() < 0.2 ? `${target}/${pick(junk)}` : target;
        const url = query === "" ? raw : `${raw}?${query}`;
        const withBody = method !== "GET" && method !== "HEAD";
        const headers: Record<string, string> = {};
        const type = pick(contentTypes);
        if (type !== "") headers["content-type"] = type;
        let response: Response;
        try {
          response = await web.fetch(url.startsWith("/") ? url : `/${url}`, { method, token: ENV_TOKEN, headers, body: withBody ? pick(bodies) : undefined });
        } catch (error) {
          // The client itself refused to send (an invalid URL): nothing reached the server.
          if (error instanceof TypeError) continue;
          throw error;
        }
        sent++;
        await response.arrayBuffer();
        if (response.status >= 500) failures.push(`${method} ${url.slice(0, 120)} → ${response.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1_000);
    expect((await web.fetch("/api/v1/health")).status).toBe(200);
  }, 240_000);
});

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses: Record<string, { description: string }>; parameters?: Array<{ name: string; in: string }> }>>;
  components?: { schemas?: Record<string, unknown> };
}

