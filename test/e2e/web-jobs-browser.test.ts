/**
 * The Quick Test, job, Jobs and Settings pages in Chromium, against the built CLI (`kitt web`)
 * with a job runner and the tiny llama.cpp model in its model directory: a quick test launched
 * from the form runs the real llama-server natively, its page shows progress and log lines as
 * they come (no reload) and ends with a link to the stored run; a second one cancelled with the
 * button leaves no engine process and no `kitt run` of the job; a bad form is answered on the
 * form, escaped; settings saved in the page survive a restart of the server on the same store, and
 * the Devon key never reaches the browser — and no page reports a CSP violation.
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevon, type RunningDevon } from "../emulators/devon.mjs";
import { launchBrowser, requireChromium, type BrowserSession } from "../support/browser.js";
import { startKitt, tempKittHome, type KittRun } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort, runningProcesses } from "../support/processes.js";

const chromiumPath = requireChromium();
const llama = chromiumPath === undefined ? undefined : await requireLlamaServer();
const TOKEN = "jobs-pages-test-token-0123456789";
const DEVON_KEY = "devon-key-never-in-a-page-42";

/** Runs before any page script, so every violation of the page's CSP is recorded. */
const RECORD_CSP_VIOLATIONS = `window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(event.violatedDirective + " " + event.blockedURI));`;

/** What the job page shows at one moment (read in the page; plain JS). */
const JOB_STATE = `(() => {
  const root = document.querySelector("[data-job-id]");
  const bar = root.querySelector("progress");
  return { status: root.dataset.status, progress: root.dataset.progress ?? null, value: bar.value, max: bar.max, lines: root.querySelectorAll("[data-job-log] .line").length, marker: window.samePage === true };
})()`;

interface JobState {
  status: string;
  progress: string | null;
  value: number;
  max: number;
  lines: number;
  marker: boolean;
}

describe.skipIf(chromiumPath === undefined || llama === undefined)("kitt web jobs and settings pages in Chromium", () => {
  const home = tempKittHome();
  const env = { KITT_HOME: home, KITT_AUTH_TOKEN: TOKEN, KITT_MODEL_DIR: join(home, "models") };
  let web: KittRun;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  let devon: RunningDevon;
  const csp: string[] = [];
  const scriptErrors: string[] = [];

  async function startWeb(): Promise<void> {
    web = startKitt(["web", "--port", "0"], env);
    base = /serving (\S+)/.exec(await web.waitFor(/serving https?:\/\/\S+ /, 30_000))![1]!;
  }

  async function stopWeb(): Promise<void> {
    if (web && web.child.exitCode === null) {
      web.child.kill("SIGTERM");
      await web.done;
    }
  }

  async function signIn(): Promise<void> {
    await page.goto(`${base}/login`);
    await page.fill("input[name=token]", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/`);
  }

  async function checkCsp(): Promise<void> {
    const violations = (await page.evaluate("window.cspViolations || []")) as string[];
    csp.push(...violations.map((v) => `${page.url()}: ${v}`));
  }

  async function open(path: string): Promise<void> {
    await page.goto(`${base}${path}`);
    await checkCsp();
  }

  const jobState = async () => (await page.evaluate(JOB_STATE)) as JobState;

  /** Fills the Quick Test form for the tiny model on llama_cpp, natively on `port`, and submits it. */
  async function launch(port: number, choose: () => Promise<unknown>): Promise<string> {
    await open("/quick-test");
    await page.selectOption("select[name=target]", "llama_cpp:tiny.gguf");
    await page.selectOption("select[name=runtime]", "native");
    await page.fill("input[name=port]", String(port));
    await choose();
    await page.click("form.stacked button[type=submit]");
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await checkCsp();
    await page.evaluate("window.samePage = true");
    return new URL(page.url()).pathname.split("/").at(-1)!;
  }

  beforeAll(async () => {
    mkdirSync(env.KITT_MODEL_DIR);
    copyFileSync(await ensureTestModel(), join(env.KITT_MODEL_DIR, "tiny.gguf"));
    devon = await startDevon({ apiKey: DEVON_KEY });
    await startWeb();
    browser = await launchBrowser(chromiumPath!);
    page = await browser.context.newPage();
    await page.addInitScript(RECORD_CSP_VIOLATIONS);
    page.on("pageerror", (error) => scriptErrors.push(`${page.url()}: ${error.message}`));
    await signIn();
  }, 60_000);

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
    await stopWeb();
    await devon?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("runs a quick test from the form on the real llama-server: progress and log lines arrive live, and it ends with a link to the stored run", async () => {
    const port = await freePort();
    const id = await launch(port, () => page.selectOption("select[name=suite]", "quick"));

    // Polled from here: the strict CSP refuses Playwright's in-page waitForFunction.
    const seen: JobState[] = [];
    await expect
      .poll(
        async () => {
          const state = await jobState();
          seen.push(state);
          return state.status;
        },
        { timeout: 150_000, interval: 250 },
      )
      .toBe("completed");
    const last = seen.at(-1)!;
    expect(last.marker, "the page was never reloaded").toBe(true);
    // Live: while the job ran, the page already had log lines and progress.
    expect(seen.some((state) => state.status === "running" && state.lines > 0 && state.progress !== null)).toBe(true);
    expect(last.lines).toBeGreaterThan(0);
    expect(last.max).toBeGreaterThan(0);
    expect(last.value).toBe(last.max);
    expect(await page.textContent("[data-job-log]")).toContain("engine ready");
    expect(await page.isVisible("form[data-cancel]")).toBe(false);
    expect(llamaServersOnPort(port)).toEqual([]);

    // Opened again once finished: the end of the job's log file, and the run's link, without waiting for events.
    await open(`/jobs/${id}`);
    expect(await page.textContent("[data-job-log]")).toContain("engine ready");
    expect(await page.isVisible("[data-run-link]")).toBe(true);

    const href = await page.getAttribute("[data-run-link]", "href");
    expect(href).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    await page.click("[data-run-link]");
    await page.waitForURL(`${base}${href}`);
    await checkCsp();
    expect(await page.textContent("main")).toContain("llama_cpp");

    // The history lists it with its run; the Dashboard has nothing running any more.
    await open("/jobs");
    const row = page.locator(`tr[data-job-id="${id}"]`);
    expect(await row.getAttribute("data-status")).toBe("completed");
    expect(await row.locator(`a[href="${href}"]`).count()).toBe(1);
    await open("/");
    expect(await page.textContent("section[aria-label=jobs]")).toContain("None.");
  }, 180_000);

  it("cancels a running quick test with its button: no engine process and no kitt run of the job is left", async () => {
    const port = await freePort();
    const id = await launch(port, async () => {
      await page.selectOption("select[name=suite]", "");
      await page.check("input[name=tests][value=throughput]");
      await page.fill("input[name=runs]", "50");
    });
    // Running once progress shows: the engine is up.
    await expect.poll(async () => (await jobState()).progress, { timeout: 120_000, interval: 250 }).not.toBeNull();
    expect(llamaServersOnPort(port)).toHaveLength(1);
    await open("/");
    expect(await page.locator(`section[aria-label=jobs] tr[data-job-id="${id}"]`).getAttribute("data-status")).toBe("running");
    await open(`/jobs/${id}`);

    await page.click("form[data-cancel] button");
    await page.waitForURL(`${base}/jobs/${id}`);
    await expect.poll(async () => (await jobState()).status, { timeout: 90_000, interval: 250 }).toBe("cancelled");
    await checkCsp();
    expect(llamaServersOnPort(port)).toEqual([]);
    expect(runningProcesses((argv) => argv.includes("run") && argv.includes("--port") && argv.includes(String(port)))).toEqual([]);
    await open("/jobs?status=cancelled");
    expect(await page.locator(`tr[data-job-id="${id}"]`).count()).toBe(1);
  }, 180_000);

  it("answers a form that does not fit on the form itself, with the typed text escaped", async () => {
    await open("/quick-test");
    await page.fill("input[name=port]", "<b>80</b>");
    await page.click("form.stacked button[type=submit]");
    await page.waitForURL(`${base}/quick-test`);
    await checkCsp();
    expect(await page.textContent("form [role=alert]")).toContain("options.port");
    expect(await page.inputValue("input[name=port]")).toBe("<b>80</b>");
    expect(await page.locator("form.stacked b").count()).toBe(0);

    await page.fill("input[name=port]", "");
    await page.selectOption("select[name=runtime]", "endpoint");
    await page.click("form.stacked button[type=submit]");
    await page.waitForURL(`${base}/quick-test`);
    expect(await page.textContent("form [role=alert]")).toContain("url: runtime endpoint needs url");
    expect(await page.inputValue("select[name=runtime]")).toBe("endpoint");
    await checkCsp();
  });

  it("keeps settings saved in the page across a server restart, shows the Devon tab, and never sends the Devon key to the browser", async () => {
    const otherModels = join(home, "other-models");
    mkdirSync(otherModels);
    await open("/settings");
    expect(await page.locator("nav a[href='/devon']").count()).toBe(0);
    await page.fill("input[name=model_dir]", otherModels);
    await page.fill("input[name=devon_url]", devon.url);
    await page.fill("input[name=devon_api_key]", DEVON_KEY);
    await page.click("form.stacked button[type=submit]");
    await page.waitForURL(`${base}/settings?saved=1`);
    await checkCsp();
    expect(await page.textContent("[role=status]")).toContain("saved");

    // The Devon tab frames Devon through the proxy, which adds the key server-side.
    await page.click("nav a[href='/devon']");
    await page.waitForURL(`${base}/devon`);
    expect(await page.getAttribute("iframe.devon", "src")).toBe("/devon-app/");
    await expect.poll(() => devon.requests.filter((request) => request.path === "/" && request.headers.authorization === `Bearer ${DEVON_KEY}`).length).toBeGreaterThan(0);
    await checkCsp();

    await stopWeb();
    await startWeb();
    await signIn();
    await open("/settings");
    expect(await page.inputValue("input[name=model_dir]")).toBe(otherModels);
    expect(await page.inputValue("input[name=devon_url]")).toBe(devon.url);
    expect(await page.getAttribute("input[name=model_dir] + [data-source]", "data-source")).toBe("saved");
    expect(await page.getAttribute("[data-secret-set]", "data-secret-set")).toBe("true");
    expect(await page.inputValue("input[name=devon_api_key]")).toBe("");
    expect(await page.content()).not.toContain(DEVON_KEY);
    const html = await (await fetch(`${base}/settings`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(html).toContain(otherModels);
    expect(html).not.toContain(DEVON_KEY);
    expect(await page.locator("nav a[href='/devon']").count()).toBe(1);

    // Saving again without touching the key keeps it; "forget" removes it and the Devon tab stays off once unticked.
    await page.click("form.stacked button[type=submit]");
    await page.waitForURL(`${base}/settings?saved=1`);
    expect(await page.getAttribute("[data-secret-set]", "data-secret-set")).toBe("true");
    await page.check("input[name=clear_devon_api_key]");
    await page.uncheck("input[name=devon_tab]");
    await page.click("form.stacked button[type=submit]");
    await page.waitForURL(`${base}/settings?saved=1`);
    expect(await page.getAttribute("[data-secret-set]", "data-secret-set")).toBe("false");
    expect(await page.locator("nav a[href='/devon']").count()).toBe(0);
    await checkCsp();
  }, 90_000);

  it("reported no CSP violation and no script error on any page", () => {
    expect(csp).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });
});
