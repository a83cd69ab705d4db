/**
 * The `kitt web` pages in Chromium, against the built CLI serving a store of real runs of the
 * tiny llama.cpp model (two `kitt run`s, one with a custom test that gets one item wrong, and
 * imported copies of the other for paging), with a token configured: sign in, filter and page
 * the results, a run's charts drawn on canvas, per-item outputs, compare, recommend, the model
 * browser (escaping a file name that looks like HTML), delete and sign out — and on every page
 * no CSP violation, no script error and no request beyond the server.
 *
 * `KITT_UPDATE_SCREENSHOT=1` also writes the run page's screenshot to docs/web-dashboard.png.
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, requireChromium, type BrowserSession } from "../support/browser.js";
import { runKitt, startKitt, tempKittHome, type KittRun } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";

const chromiumPath = requireChromium();
const llama = chromiumPath === undefined ? undefined : await requireLlamaServer();
const TOKEN = "pages-test-token-0123456789";
const SCREENSHOT = join(import.meta.dirname, "../../docs/web-dashboard.png");
/** A model file name a browser would run as markup if the page did not escape it. */
const HTML_NAME = "<img src=x onerror=window.injected=1>.gguf";

/** Two items: one any output matches, one no output of the tiny model does. */
const CUSTOM_TEST = `name: answers
description: one item right, one wrong
prompt_template: "Say something about {topic}."
sampling: {max_tokens: 8}
scoring: {type: contains}
items:
  - vars: {topic: anything}
    scoring: {type: regex, pattern: "[\\\\s\\\\S]"}
  - vars: {topic: numbers}
    expected: kitt-never-says-this
`;

/** Per chart section: canvases and the pixels in one of its series' colours (plain JS: runs in the page). */
const CHART_PIXELS = `(() => {
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return [...document.querySelectorAll("section.chart")].map((section) => {
    const colors = (section.dataset.colors || "").split(" ").filter(Boolean).map(rgb);
    let seriesPixels = 0;
    const canvases = [...section.querySelectorAll("canvas")];
    for (const canvas of canvases) {
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] < 200) continue;
        if (colors.some(([r, g, b]) => Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g) + Math.abs(pixels[i + 2] - b) < 40)) seriesPixels += 1;
      }
    }
    return { id: section.dataset.chart, available: section.dataset.available === "true", canvases: canvases.length, seriesPixels };
  });
})()`;

/** Runs before any page script, so every violation of the page's CSP is recorded. */
const RECORD_CSP_VIOLATIONS = `window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(event.violatedDirective + " " + event.blockedURI));`;

const ROW_IDS = "[...document.querySelectorAll('table.runs tbody tr')].map((row) => row.dataset.runId)";

interface ChartPixels {
  id: string;
  available: boolean;
  canvases: number;
  seriesPixels: number;
}

/** A copy of a results folder as another run: a new run id and an earlier start, so the store keeps it apart. */
function copyRun(from: string, to: string, month: number): void {
  cpSync(from, to, { recursive: true });
  const configFile = join(to, "config.json");
  writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, "utf8")), run_id: randomUUID() }, null, 2));
  const metricsFile = join(to, "metrics.json");
  const day = `2026-${String(month).padStart(2, "0")}-15`;
  writeFileSync(metricsFile, JSON.stringify({ ...JSON.parse(readFileSync(metricsFile, "utf8")), timestamp: `${day}T10:00:00.000Z`, finished_at: `${day}T10:00:09.000Z` }, null, 2));
}

/** A model folder the llama.cpp engine cannot load: config.json and a (valid, tiny) safetensors file. */
function writeSafetensorsFolder(dir: string): void {
  mkdirSync(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"], model_type: "llama", torch_dtype: "float16", max_position_embeddings: 128 }));
  const header = Buffer.from(JSON.stringify({ "model.embed_tokens.weight": { dtype: "F16", shape: [2, 2], data_offsets: [0, 8] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(dir, "model.safetensors"), Buffer.concat([length, header, Buffer.alloc(8)]));
}

describe.skipIf(chromiumPath === undefined || llama === undefined)("kitt web pages in Chromium", () => {
  const work = mkdtempSync(join(tmpdir(), "kitt-web-pages-"));
  let web: KittRun;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  let runIds: { custom: string; quick: string; copies: string[] };
  /** What the browser reported on any page: CSP violations, script errors, requests beyond the server. */
  const problems = { csp: [] as string[], errors: [] as string[], outside: [] as string[] };

  beforeAll(async () => {
    const home = tempKittHome();
    const model = await ensureTestModel();
    mkdirSync(join(home, "tests"));
    writeFileSync(join(home, "tests", "answers.yaml"), CUSTOM_TEST);
    const suite = join(work, "web-e2e.yaml");
    writeFileSync(suite, "suite_name: web_e2e\ntests:\n  - throughput\n  - answers\n");
    const env = { KITT_HOME: home };
    const custom = await runKitt(["run", "-m", model, "-e", "llama_cpp", "--runtime", "native", "--port", String(await freePort()), "-s", suite, "-o", join(work, "custom")], env);
    expect(custom.code, custom.stderr).toBe(0);
    const quick = await runKitt(["run", "-m", model, "-e", "llama_cpp", "--runtime", "native", "--port", String(await freePort()), "-o", join(work, "quick")], env);
    expect(quick.code, quick.stderr).toBe(0);
    for (const month of [1, 2, 3]) copyRun(join(work, "quick"), join(work, "copies", `copy-${month}`), month);
    const imported = await runKitt(["storage", "import", join(work, "copies")], env);
    expect(imported.code, imported.stderr).toBe(0);
    const listed = await runKitt(["storage", "list", "--json"], env);
    const runs = JSON.parse(listed.stdout) as Array<{ id: string; suite: string; started_at: number }>;
    expect(runs).toHaveLength(5);
    runIds = {
      custom: runs.find((run) => run.suite === "web_e2e")!.id,
      quick: runs.filter((run) => run.suite === "quick").sort((a, b) => b.started_at - a.started_at)[0]!.id,
      copies: runs.filter((run) => run.suite === "quick").sort((a, b) => b.started_at - a.started_at).slice(1).map((run) => run.id),
    };

    const models = join(work, "models");
    mkdirSync(models);
    copyFileSync(model, join(models, "tiny.gguf"));
    copyFileSync(model, join(models, HTML_NAME));
    writeSafetensorsFolder(join(models, "hf-llama"));

    web = startKitt(["web", "--port", "0"], { ...env, KITT_AUTH_TOKEN: TOKEN, KITT_MODEL_DIR: models });
    base = /serving (\S+)/.exec(await web.waitFor(/serving https?:\/\/\S+ /, 30_000))![1]!;

    browser = await launchBrowser(chromiumPath!);
    page = await browser.context.newPage();
    await page.addInitScript(RECORD_CSP_VIOLATIONS);
    page.on("console", (message) => {
      // The answers the test asks for (signed out: 401; a bad filter: 400) are logged too; they are not script errors.
      if (message.type() === "error" && !/the server responded with a status of 40[01]\b/.test(message.text())) problems.errors.push(`${page.url()}: ${message.text()} (${message.location().url})`);
    });
    page.on("pageerror", (error) => problems.errors.push(`${page.url()}: ${error.message}`));
    page.on("request", (request) => {
      if (!request.url().startsWith(base)) problems.outside.push(request.url());
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
    if (web && web.child.exitCode === null) {
      web.child.kill("SIGTERM");
      await web.done;
    }
    rmSync(work, { recursive: true, force: true });
  });

  /** Opens a page and records the CSP violations it reported once loaded. */
  async function open(path: string): Promise<void> {
    await page.goto(`${base}${path}`);
    await checkCsp();
  }

  async function checkCsp(): Promise<void> {
    const violations = (await page.evaluate("window.cspViolations || []")) as string[];
    problems.csp.push(...violations.map((v) => `${page.url()}: ${v}`));
  }

  // Waiting is polled from here: Playwright's in-page waitForFunction evaluates strings, which the strict CSP refuses.
  const rowCount = (table: string) => page.locator(`${table} tbody tr`).count();

  async function charts(): Promise<Record<string, ChartPixels>> {
    await page.waitForSelector("body[data-charts-drawn]", { timeout: 10_000 });
    const found = (await page.evaluate(CHART_PIXELS)) as ChartPixels[];
    return Object.fromEntries(found.map((chart) => [chart.id, chart]));
  }

  it("sends a browser without a session to the login page, refuses a wrong token and signs in with the right one", async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/login`);
    await checkCsp();
    await page.fill("input[name=token]", "not-the-token");
    await page.click("button[type=submit]");
    expect(await page.textContent("[role=alert]")).toContain("not accepted");
    await page.fill("input[name=token]", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/`);
    await checkCsp();
    expect(await page.textContent("[data-stat=runs]")).toBe("5");
    expect(await page.locator("table.runs tbody tr").count()).toBe(5);
  });

  it("filters the results and pages through them, refreshing only the table", async () => {
    await open("/results");
    expect(await rowCount("table.runs")).toBe(5);
    await page.evaluate("window.stillThisPage = true");

    await page.fill("input[name=suite]", "web_e2e");
    await page.click("form.filters button[type=submit]");
    await expect.poll(() => rowCount("table.runs")).toBe(1);
    expect(await page.getAttribute("table.runs tbody tr", "data-run-id")).toBe(runIds.custom);
    expect(new URL(page.url()).searchParams.get("suite")).toBe("web_e2e");

    await page.fill("input[name=suite]", "quick");
    await page.fill("input[name=limit]", "2");
    await page.click("form.filters button[type=submit]");
    await expect.poll(() => page.locator("a[rel=next]").count()).toBe(1);
    expect(await rowCount("table.runs")).toBe(2);
    const seen: string[] = [];
    for (;;) {
      seen.push(...((await page.evaluate(ROW_IDS)) as string[]));
      const next = page.locator("a[rel=next]");
      if ((await next.count()) === 0) break;
      const before = await page.getAttribute("table.runs tbody tr", "data-run-id");
      await next.click();
      await expect.poll(() => page.getAttribute("table.runs tbody tr", "data-run-id")).not.toBe(before);
    }
    // Every quick run once, newest first: the real run, then the copies by their (earlier) start.
    expect(seen).toEqual([runIds.quick, ...runIds.copies]);
    expect(new URL(page.url()).searchParams.get("cursor")).toMatch(/\S/);
    expect(await page.evaluate("window.stillThisPage")).toBe(true);

    await open("/results?since=2026-02-01&suite=quick&limit=10");
    expect(await page.locator("table.runs tbody tr").count()).toBe(3);
    await open("/results?since=yesterday-ish");
    expect(await page.textContent("[role=alert]")).toContain("since");
  });

  it("draws a run's charts on canvas and filters its per-item outputs to the wrong ones", async () => {
    await open(`/runs/${runIds.custom}`);
    const drawn = await charts();
    for (const id of ["ttft-histogram", "e2el-histogram", "latency-cdf"]) {
      expect(drawn[id]?.available, id).toBe(true);
      expect(drawn[id]?.canvases, id).toBeGreaterThan(0);
      expect(drawn[id]?.seriesPixels, id).toBeGreaterThan(100);
    }
    expect(await page.textContent("section[data-chart=throughput-concurrency]")).toContain("not measured");
    if (process.env.KITT_UPDATE_SCREENSHOT === "1") await page.screenshot({ path: SCREENSHOT, fullPage: false });
    expect(await page.getAttribute(`a[href="/api/v1/runs/${runIds.custom}/export"]`, "href")).toBeTruthy();
    expect(await page.locator("details[data-test=throughput]").count()).toBe(1);

    expect(await page.locator("table.items tbody tr").count()).toBe(2);
    await page.check("input[name=wrong]");
    await expect.poll(() => rowCount("table.items")).toBe(1);
    expect(await page.textContent("table.items")).toContain("kitt-never-says-this");
    await checkCsp();

  });

  it("compares two runs picked from the results: a delta table with flags and overlay charts", async () => {
    await open("/results");
    await page.check(`input[name=run][value="${runIds.quick}"]`);
    await page.check(`input[name=run][value="${runIds.custom}"]`);
    await page.click("text=Compare selected");
    await page.waitForURL(/\/compare\?/);
    await checkCsp();
    expect(await page.textContent("h1")).toContain("Compare 2 runs");
    const rows = page.locator("table.deltas tbody tr");
    expect(await rows.count()).toBeGreaterThan(3);
    expect(await page.locator("table.deltas tr[data-metric='throughput.avg_tps'] td[data-flag]").count()).toBe(1);
    const flag = await page.getAttribute("table.deltas tr[data-metric='throughput.avg_tps'] td[data-flag]", "data-flag");
    expect(["critical", "warning", "better", "same", "changed"]).toContain(flag);
    const drawn = await charts();
    expect(drawn["compare-ttft-cdf"]?.seriesPixels).toBeGreaterThan(100);
    expect(drawn["compare-throughput-concurrency"]?.available).toBe(false);
  });

  it("recommends from the stored runs with a Pareto chart", async () => {
    await open("/recommend");
    expect(await page.locator("table.candidates tbody tr").count()).toBe(5);
    expect(await page.locator("table.candidates tr[data-pareto=true]").count()).toBeGreaterThan(0);
    expect((await charts())["recommend-pareto"]?.seriesPixels).toBeGreaterThan(20);
    await open("/recommend?min_throughput=1e12");
    expect(await page.textContent("main")).toContain("No run is within these limits");
  });

  it("lists the model directory: the GGUF loads on llama_cpp, the safetensors folder does not, and an HTML-looking name stays text", async () => {
    await open("/models");
    const engines = async (path: string) => (await page.locator(`tr[data-model-path="${path.replace(/"/g, '\\"')}"] td.engines`).textContent()) ?? "";
    expect(await engines("tiny.gguf")).toContain("llama_cpp");
    const safetensors = await engines("hf-llama");
    expect(safetensors).toMatch(/vllm/);
    expect(safetensors).not.toContain("llama_cpp");
    expect(await engines(HTML_NAME)).toContain("llama_cpp");
    expect(await page.locator("table.models img").count()).toBe(0);
    expect(await page.textContent("table.models")).toContain(HTML_NAME);
    expect(await page.evaluate("window.injected")).toBeUndefined();
  });

  it("deletes a run after a confirmation page, then signs out", async () => {
    const victim = runIds.copies.at(-1)!;
    await open(`/runs/${victim}`);
    await page.click("text=Delete…");
    await page.waitForURL(`${base}/runs/${victim}/delete`);
    await page.click("button.danger");
    await page.waitForURL(/\/results\?deleted=/);
    await checkCsp();
    expect(await page.textContent(".notice")).toContain(victim);
    expect(await page.locator(`tr[data-run-id="${victim}"]`).count()).toBe(0);
    expect((await fetch(`${base}/api/v1/runs/${victim}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);

    await page.click("text=Sign out");
    await page.waitForURL(`${base}/login`);
    await page.goto(`${base}/results`);
    await page.waitForURL(`${base}/login`);
  });

  it("reported no CSP violation, no script error and no request beyond the server on any page", () => {
    expect(problems.csp).toEqual([]);
    expect(problems.errors).toEqual([]);
    expect(problems.outside).toEqual([]);
  });
});
