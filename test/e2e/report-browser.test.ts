/**
 * The HTML report in a real browser: every chart with data is drawn (pixels in its series'
 * colours on its canvas), charts without data say so, and the page asks the network for nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadReportDocuments } from "../../src/report/formats/report-documents.js";
import { renderHtmlReport } from "../../src/report/html/render-html.js";
import { launchBrowser, requireChromium } from "../support/browser.js";
import { runKitt, tempKittHome } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";

const chromiumPath = requireChromium();
const llamaServer = await requireLlamaServer();
const FIXTURES = join(import.meta.dirname, "../fixtures/report");

interface ChartPixels {
  id: string;
  available: boolean;
  canvases: number;
  /** Canvas pixels within a small distance of one of the chart's series colours. */
  seriesPixels: number;
  text: string;
}

/** Runs in the page (plain JS: the tests compile without DOM types); counts per chart section. */
const COUNT_SERIES_PIXELS = `(() => {
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return [...document.querySelectorAll("section.chart")].map((section) => {
    const colors = (section.dataset.colors || "").split(" ").filter(Boolean).map(rgb);
    const canvases = [...section.querySelectorAll("canvas")];
    let seriesPixels = 0;
    for (const canvas of canvases) {
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] < 200) continue;
        const near = colors.some(([r, g, b]) => Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g) + Math.abs(pixels[i + 2] - b) < 40);
        if (near) seriesPixels += 1;
      }
    }
    return { id: section.dataset.chart, available: section.dataset.available === "true", canvases: canvases.length, seriesPixels, text: section.textContent };
  });
})()`;

describe.skipIf(chromiumPath === undefined)("HTML report in Chromium", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kitt-report-browser-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function openReport(fixture: string, folder = join(FIXTURES, fixture)): Promise<{ charts: ChartPixels[]; screenshot: Buffer; offline: string[] }> {
    const html = renderHtmlReport(await loadReportDocuments(folder));
    const file = join(dir, `${fixture}.html`);
    await writeFile(file, html);
    await using browser = await launchBrowser(chromiumPath!);
    const page = await browser.context.newPage();
    const offline: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) offline.push(request.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-charts-drawn]", { timeout: 10_000 });
    const screenshotPath = join(dir, `${fixture}.png`);
    await page.screenshot({ path: screenshotPath, fullPage: true });
    const charts = (await page.evaluate(COUNT_SERIES_PIXELS)) as ChartPixels[];
    expect(errors).toEqual([]);
    return { charts, screenshot: await readFile(screenshotPath), offline };
  }

  it("draws every serving chart that has data and names what was not measured", async () => {
    const { charts, screenshot, offline } = await openReport("serve");
    expect(offline).toEqual([]);
    expect(screenshot.length).toBeGreaterThan(10_000);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    for (const id of ["ttft-histogram", "itl-histogram", "e2el-histogram", "latency-cdf", "throughput-time", "ttft-time", "engine-requests"]) {
      expect(byId[id]?.available, id).toBe(true);
      expect(byId[id]?.canvases, id).toBeGreaterThan(0);
      expect(byId[id]?.seriesPixels, id).toBeGreaterThan(300);
    }
    for (const id of ["throughput-concurrency", "gpu-memory", "engine-kv-cache", "engine-memory"]) {
      expect(byId[id]?.available, id).toBe(false);
      expect(byId[id]?.canvases, id).toBe(0);
      expect(byId[id]?.text, id).toContain("not measured");
    }
  });

  it("draws a suite run's latency distributions and its concurrency scaling", async () => {
    const { charts, offline } = await openReport("suite");
    expect(offline).toEqual([]);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    for (const id of ["ttft-histogram", "e2el-histogram", "latency-cdf", "throughput-concurrency"]) {
      expect(byId[id]?.seriesPixels, id).toBeGreaterThan(100);
    }
    expect(byId["gpu-memory"]?.text).toContain("not measured");
  });

  it.skipIf(!llamaServer)("draws a real llama-server run's engine charts: its CPU and memory where no GPU was sampled", async () => {
    const out = join(dir, "serve-run");
    const port = await freePort();
    // Long enough (several seconds) for the 1-s engine CPU sampler to draw a line, not a dot.
    const run = await runKitt(
      ["bench", "serve", "-e", "llama_cpp", "-m", await ensureTestModel(), "--runtime", "native", "--port", String(port), "-o", out,
        "--num-prompts", "48", "--max-concurrency", "4", "--random-input-len", "64", "--random-output-len", "64", "--warmup-requests", "2"],
      { KITT_HOME: tempKittHome() },
    );
    expect(run.code, run.stderr).toBe(0);
    const { charts, offline } = await openReport("serve-run", out);
    expect(offline).toEqual([]);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(byId["gpu-memory"]).toBeUndefined();
    for (const id of ["engine-memory", "engine-cpu", "engine-requests", "ttft-time"]) {
      expect(byId[id]?.available, id).toBe(true);
      expect(byId[id]?.seriesPixels, id).toBeGreaterThan(100);
    }
    expect(byId["engine-memory"]?.text).toContain("shown instead of GPU memory");
    expect(byId["engine-kv-cache"]?.text).toContain("not measured");
  }, 120_000);
});
