/**
 * The Agents pages in Chromium, against the built CLI (`kitt web` over http on loopback): enrol
 * through the page's form (the code and an unpinned http install line shown once), an agent
 * registered and heartbeating through the protocol routes with that code shows up online, its
 * detail page saves a heartbeat interval that the agent's next heartbeat receives — and no page
 * reports a CSP violation or a script error.
 */
import { rmSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentPaths, HeartbeatResponseSchema, RegisterResponseSchema } from "../../src/server/agents/agent-protocol.js";
import { idleBeat, registration } from "../server/agent-support.js";
import { launchBrowser, requireChromium, type BrowserSession } from "../support/browser.js";
import { startKitt, tempKittHome, type KittRun } from "../support/cli.js";

const chromiumPath = requireChromium();
const TOKEN = "agents-pages-browser-token-0123456789";

/** Runs before any page script, so every violation of the page's CSP is recorded. */
const RECORD_CSP_VIOLATIONS = `window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(event.violatedDirective + " " + event.blockedURI));`;

describe.skipIf(chromiumPath === undefined)("kitt web agents pages in Chromium", () => {
  const home = tempKittHome();
  let web: KittRun;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  const csp: string[] = [];
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    web = startKitt(["web", "--port", "0"], { KITT_HOME: home, KITT_AUTH_TOKEN: TOKEN });
    base = /serving (\S+)/.exec(await web.waitFor(/serving https?:\/\/\S+ /, 30_000))![1]!;
    browser = await launchBrowser(chromiumPath!);
    page = await browser.context.newPage();
    await page.addInitScript(RECORD_CSP_VIOLATIONS);
    page.on("pageerror", (error) => scriptErrors.push(`${page.url()}: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") scriptErrors.push(`${page.url()}: ${message.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
    if (web && web.child.exitCode === null) {
      web.child.kill("SIGTERM");
      await web.done;
    }
    rmSync(home, { recursive: true, force: true });
  });

  async function checkCsp(): Promise<void> {
    csp.push(...((await page.evaluate("window.cspViolations || []")) as string[]).map((violation) => `${page.url()}: ${violation}`));
  }

  const protocol = (path: string, body: unknown, token?: string) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  async function beat(token: string) {
    const response = await protocol(agentPaths.heartbeat, idleBeat, token);
    expect(response.status).toBe(200);
    return HeartbeatResponseSchema.parse(await response.json());
  }

  it("enrols through the page, shows the registered agent online and saves its heartbeat interval", async () => {
    await page.goto(`${base}/login`);
    await page.fill("input[name=token]", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/`);
    await page.click("nav a[href='/agents']");
    await page.waitForURL(`${base}/agents`);
    await checkCsp();
    expect(await page.textContent("main")).toContain("No agents yet");

    await page.fill("input[name=name]", "gpu-browser");
    await page.selectOption("select[name=ttl_s]", "600");
    await page.click("text=Make an enrolment code");
    await page.waitForSelector("[data-enrolment]");
    await checkCsp();
    const code = (await page.textContent("[data-code]"))!.trim();
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await page.textContent("[data-install-command]"))!.trim()).toBe(`curl -fsSL '${base}${agentPaths.installScript}?code=${code}' | bash`);

    const registered = await protocol(agentPaths.register, registration("host-name", { code }));
    expect(registered.status).toBe(200);
    const { agent_id: agentId, token, name } = RegisterResponseSchema.parse(await registered.json());
    expect(name).toBe("gpu-browser");
    await beat(token!);

    await page.goto(`${base}/agents`);
    await checkCsp();
    const row = page.locator(`tr[data-agent-id="${agentId}"]`);
    expect(await row.getAttribute("data-status")).toBe("online");
    expect(await row.textContent()).toContain("1 × NVIDIA H100 80GB HBM3");
    expect(await page.locator("[data-code]").count()).toBe(0);

    await row.locator("a", { hasText: "gpu-browser" }).click();
    await page.waitForURL(`${base}/agents/${agentId}`);
    await checkCsp();
    expect(await page.textContent("h1")).toBe("Agent gpu-browser");
    await page.fill("input[name=heartbeat_interval_s]", "60");
    await page.click("text=Save settings");
    await page.waitForURL(`${base}/agents/${agentId}?done=settings`);
    await checkCsp();
    expect(await page.textContent("[role=status]")).toContain("Settings saved");
    expect(await page.inputValue("input[name=heartbeat_interval_s]")).toBe("60");
    expect((await beat(token!)).settings.heartbeat_interval_s).toBe(60);

    expect(csp).toEqual([]);
    expect(scriptErrors).toEqual([]);
  }, 120_000);
});
