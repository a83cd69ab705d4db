/**
 * The `kitt web` pages as HTML over a real server, on SQLite and PostgreSQL (skipped without a
 * PostgreSQL server, except in CI): they answer from the same store listing as the API, page
 * with its cursors, escape what was stored, say what is wrong with a bad filter or id, and
 * delete only through a same-origin POST. What they look like in a browser is
 * test/e2e/web-pages-browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJob, getJob, listJobs } from "../../src/store/jobs.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { allBackends } from "../store/backends.js";
import { runWithItems, startTestServer, storeFixtures, type TestServer } from "./support.js";

const backends = await allBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

const TOKEN = "pages-token-for-tests";

describe.each(backends)("kitt web pages on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  let store: ResultsStore;
  let web: TestServer;
  let itemsRunId: string;

  beforeAll(async () => {
    if (!backend.available) return;
    store = await openStore({ url: await backend.freshUrl() });
    await store.importPath(storeFixtures);
    itemsRunId = (await store.importPath(await runWithItems()))[0]!.id;
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
  });

  const page = async (path: string, status = 200) => {
    const response = await web.fetch(path, { token: TOKEN });
    const text = await response.text();
    expect(response.status, `${path}: ${text.slice(0, 300)}`).toBe(status);
    expect(response.headers.get("content-type")).toContain("text/html");
    return { text, headers: response.headers };
  };
  const signIn = async () => {
    const login = await web.fetch("/login", { method: "POST", headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
    return login.headers.get("set-cookie")!.split(";")[0]!;
  };
  /** A form POST as Chromium sends it from one of kitt's pages (Origin: null under no-referrer). */
  const postForm = async (path: string, fields: Record<string, string>) =>
    web.fetch(path, { method: "POST", headers: { cookie: await signIn(), origin: "null", "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });
  const rowIds = (html: string) => [...html.matchAll(/<tr data-run-id="([^"]+)"/g)].map((match) => match[1]!);

  test("every page answers HTML in the layout, under the strict CSP", async () => {
    for (const path of ["/", "/results", `/runs/${itemsRunId}`, "/compare", "/recommend", "/quick-test", "/jobs", "/settings", "/devon"]) {
      const { text, headers } = await page(path);
      expect(text, path).toMatch(/^<!doctype html>/);
      expect(text, path).toContain('<nav aria-label="main">');
      expect(headers.get("content-security-policy"), path).toContain("script-src 'self'");
      // Only external scripts and JSON data: nothing the CSP would refuse.
      for (const script of text.match(/<script[^>]*>/g) ?? []) expect(script, path).toMatch(/ src="\/assets\/|type="application\/json"/);
      expect(text, path).not.toMatch(/ style=|<style/);
    }
  });

  test("the results page lists what the runs API lists and pages with the same cursors", async () => {
    const api = (await (await web.fetch("/api/v1/runs?limit=500", { token: TOKEN })).json()) as { runs: Array<{ id: string }> };
    expect(rowIds((await page("/results")).text)).toEqual(api.runs.map((run) => run.id));

    const seen: string[] = [];
    let next: string | undefined = "/results/table?limit=2";
    while (next !== undefined) {
      const { text, headers } = await page(next);
      expect(text).not.toContain("<html");
      expect(headers.get("hx-push-url")).toMatch(/^\/results\?limit=2/);
      seen.push(...rowIds(text));
      next = /hx-get="([^"]+)"[^>]*rel="next"/.exec(text)?.[1]?.replace(/&amp;/g, "&");
    }
    expect(seen).toEqual(api.runs.map((run) => run.id));

    const filtered = (await (await web.fetch("/api/v1/runs?engine=vllm", { token: TOKEN })).json()) as { runs: Array<{ id: string }> };
    expect(filtered.runs.length).toBeGreaterThan(0);
    expect(rowIds((await page("/results?engine=vllm&model=")).text)).toEqual(filtered.runs.map((run) => run.id));
  });

  test("a bad filter or id is said on the page, not thrown", async () => {
    expect((await page("/results?since=someday", 400)).text).toContain("give a date");
    expect((await page("/results?limit=0", 400)).text).toContain("limit");
    expect((await page("/results?cursor=not-a-cursor", 400)).text).toContain("not a cursor this server returned");
    expect((await page("/runs/no-such-run", 404)).text).toContain("no-such-run");
    expect((await page("/runs/bad%20id", 400)).text).toContain("not a run id");
    expect((await page("/compare?run=a%3Cb", 400)).text).toContain("not a run id");
    expect((await page("/recommend?min_accuracy=2", 400)).text).toContain("min_accuracy");
  });

  test("stored text is escaped: an item's HTML-looking answer shows as text, and 'wrong only' keeps only it", async () => {
    const all = (await page(`/runs/${itemsRunId}`)).text;
    expect(all).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(all).not.toContain("<script>alert(1)");
    expect(all.match(/<tr data-item-key=/g)).toHaveLength(3);
    const wrong = (await page(`/runs/${itemsRunId}/items?wrong=1`)).text;
    expect(wrong.match(/<tr data-item-key="([^"]+)"/g)).toEqual(['<tr data-item-key="doc-1"']);
  });

  test("compare shows the compare code's flags for the runs picked", async () => {
    const other = (await store.importPath(await runWithItems("2026-05-01T10:00:00.000Z")))[0]!.id;
    const body = JSON.stringify({ runs: [itemsRunId, other] });
    const api = (await (await web.fetch("/api/v1/compare", { method: "POST", token: TOKEN, headers: { "content-type": "application/json" }, body })).json()) as {
      rows: Array<{ key: string; others: Array<{ flag: string }> }>;
    };
    const { text } = await page(`/compare?run=${itemsRunId}&run=${other}`);
    expect(text).toContain("Compare 2 runs");
    const flags = [...text.matchAll(/<tr data-metric="([^"]+)">.*?data-flag="([^"]+)"/g)].map((match) => [match[1], match[2]]);
    expect(flags).toEqual(api.rows.map((row) => [row.key, row.others[0]!.flag]));
    expect(flags.length).toBeGreaterThan(0);
  });

  test("delete asks first, refuses a cross-origin POST, and removes the run on a same-origin one", async () => {
    const victim = (await store.importPath(await runWithItems("2026-04-01T10:00:00.000Z")))[0]!.id;
    expect((await page(`/runs/${victim}/delete`)).text).toContain(`action="/runs/${victim}/delete"`);
    const login = await web.fetch("/login", { method: "POST", headers: { origin: web.url, "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const crossOrigin = await web.fetch(`/runs/${victim}/delete`, { method: "POST", headers: { cookie, origin: "http://evil.example" } });
    expect(crossOrigin.status).toBe(403);
    expect(await store.getRun(victim)).toBeDefined();
    const deleted = await web.fetch(`/runs/${victim}/delete`, { method: "POST", headers: { cookie, origin: "null", "sec-fetch-site": "same-origin" } });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toBe(`/results?deleted=${victim}`);
    expect(await store.getRun(victim)).toBeUndefined();
  });

  test("without a job runner or an online agent the Quick Test page says jobs cannot run here, and a post queues nothing", async () => {
    expect((await page("/quick-test")).text).toContain("Jobs cannot run here");
    const before = (await listJobs(store, { limit: 500 })).length;
    const posted = await postForm("/quick-test", { target: "llama_cpp:tiny.gguf", suite: "quick", runtime: "native" });
    expect(posted.status).toBe(503);
    expect(await posted.text()).toContain("Jobs cannot run here");
    expect(await listJobs(store, { limit: 500 })).toHaveLength(before);
  });

  test("the Jobs page lists what the jobs API lists, pages with its cursors, and shows a job's stored request escaped", async () => {
    const request = { model: "<img src=x onerror=alert(1)>.gguf", engine: "llama_cpp", runtime: "native" };
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createJob(store, { kind: "quick-test", request }));
    const jobIds = (html: string) => [...html.matchAll(/<tr data-job-id="([^"]+)"/g)].map((match) => match[1]!);
    const api = (await (await web.fetch("/api/v1/jobs?limit=500", { token: TOKEN })).json()) as { jobs: Array<{ id: string }> };
    const { text } = await page("/jobs");
    expect(jobIds(text)).toEqual(api.jobs.map((job) => job.id));
    expect(text).not.toContain("<img src=x");
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt;.gguf");

    const seen: string[] = [];
    let next: string | undefined = "/jobs?limit=2";
    while (next !== undefined) {
      const listed = await page(next);
      seen.push(...jobIds(listed.text));
      next = /href="([^"]+)" rel="next"/.exec(listed.text)?.[1]?.replace(/&amp;/g, "&");
    }
    expect(seen).toEqual(api.jobs.map((job) => job.id));

    // Queued jobs are on the Dashboard; a job's page loads its live script and offers to cancel.
    expect(jobIds((await page("/")).text)).toEqual(expect.arrayContaining(created.map((job) => job.id)));
    const job = (await page(`/jobs/${created[0]!.id}`)).text;
    expect(job).toContain(`data-job-id="${created[0]!.id}"`);
    expect(job).toMatch(/<script src="\/assets\/job-live\.js\?v=[^"]+" defer/);
    expect(job).toContain(`action="/jobs/${created[0]!.id}/cancel"`);
    expect(job).not.toContain("<img src=x");
    const queued = (await (await web.fetch("/api/v1/jobs?status=queued&limit=500", { token: TOKEN })).json()) as { jobs: Array<{ id: string }> };
    const filtered = (await page("/jobs?status=queued&limit=500")).text;
    expect(jobIds(filtered)).toEqual(queued.jobs.map((job) => job.id));
    expect(filtered).toContain('<option value="queued" selected="">');
    expect((await page("/jobs?status=bogus", 400)).text).toContain("status: &#39;bogus&#39;");
    expect((await page("/jobs/no-such-job", 404)).text).toContain("no job no-such-job");
    expect((await page("/jobs/%3Cb%3E", 404)).text).not.toContain("<b>");
  });

  test("a job page's Cancel refuses a cross-origin POST and cancels the job on a same-origin one", async () => {
    const job = await createJob(store, { kind: "quick-test", request: { model: "m.gguf", engine: "llama_cpp", runtime: "native" } });
    const cookie = await signIn();
    expect((await web.fetch(`/jobs/${job.id}/cancel`, { method: "POST", headers: { cookie, origin: "http://evil.example" } })).status).toBe(403);
    expect((await getJob(store, job.id))?.status).toBe("queued");
    const cancelled = await postForm(`/jobs/${job.id}/cancel`, {});
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get("location")).toBe(`/jobs/${job.id}`);
    expect((await getJob(store, job.id))?.status).toBe("cancelled");
    expect((await page(`/jobs/${job.id}`)).text).not.toContain("/cancel");
  });

  test("the Settings form saves only what changed, says what is wrong on the form, and keeps the Devon key write-only", async () => {
    type Shown = Record<string, { value?: unknown; source: string; set?: boolean }>;
    const settings = async () => (await (await web.fetch("/api/v1/settings", { token: TOKEN })).json()) as Shown;
    const before = await settings();
    const fields = { model_dir: String(before.model_dir!.value), results_dir: String(before.results_dir!.value), devon_url: "", ollama_url: "", devon_api_key: "", devon_tab: "1" };

    const bad = await postForm("/settings", { ...fields, model_dir: "relative/<b>models</b>" });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText).toContain("model_dir: must be an absolute path");
    expect(badText).toContain("relative/&lt;b&gt;models&lt;/b&gt;");
    expect((await settings()).model_dir!.source).toBe(before.model_dir!.source);

    const saved = await postForm("/settings", { ...fields, model_dir: "/srv/kitt-models", devon_url: "http://127.0.0.1:9", devon_api_key: "devon-key-write-only" });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/settings?saved=1");
    const after = await settings();
    expect(after.model_dir).toMatchObject({ value: "/srv/kitt-models", source: "saved" });
    // Left as shown: still the default, not copied into the database.
    expect(after.results_dir).toMatchObject({ value: before.results_dir!.value, source: before.results_dir!.source });
    expect(after.devon_api_key).toMatchObject({ set: true, source: "saved" });
    const shown = (await page("/settings?saved=1")).text;
    expect(shown).not.toContain("devon-key-write-only");
    expect(shown).toContain('data-secret-set="true"');
    expect(shown).toContain('<a href="/devon"');
    expect((await page("/devon")).text).toContain('<iframe class="devon" src="/devon-app/"');

    // An empty key field keeps the key; "forget" removes it; unticking the tab hides it.
    expect((await postForm("/settings", { ...fields, model_dir: "/srv/kitt-models", devon_url: "http://127.0.0.1:9" })).status).toBe(303);
    expect((await settings()).devon_api_key!.set).toBe(true);
    const { devon_tab: _tab, ...untick } = fields;
    expect((await postForm("/settings", { ...untick, model_dir: "/srv/kitt-models", devon_url: "http://127.0.0.1:9", clear_devon_api_key: "1" })).status).toBe(303);
    expect((await settings()).devon_api_key!.set).toBe(false);
    expect((await page("/settings")).text).not.toContain('<a href="/devon"');
  });
});
