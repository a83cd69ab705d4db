/**
 * The `kitt web` pages as HTML over a real server, on SQLite and PostgreSQL (skipped without a
 * PostgreSQL server, except in CI): they answer from the same store listing as the API, page
 * with its cursors, escape what was stored, say what is wrong with a bad filter or id, and
 * delete only through a same-origin POST. What they look like in a browser is
 * test/e2e/web-pages-browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  const rowIds = (html: string) => [...html.matchAll(/<tr data-run-id="([^"]+)"/g)].map((match) => match[1]!);

  test("every page answers HTML in the layout, under the strict CSP", async () => {
    for (const path of ["/", "/results", `/runs/${itemsRunId}`, "/compare", "/recommend", "/quick-test", "/jobs", "/settings"]) {
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
});
