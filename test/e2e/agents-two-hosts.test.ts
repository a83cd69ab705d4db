/**
 * Two remote agents on one machine, each enrolled as a person would enrol a GPU server: `kitt web`
 * runs as its own process; for each agent the install line the server gives (`curl … install.sh?code=…
 * | bash`) runs under bash with a home and an install prefix of its own, Node's npm installing the
 * served package there, and the script ending in that copy's `kitt agent init`. Each installed kitt
 * then runs `kitt agent start`; a quick test sent to each runs the real llama-server on the tiny
 * model while its job page in Chromium shows the log lines as they come; both runs land in the
 * server's store with the hardware of the agent that ran them, and nothing the test started is left.
 *
 * The install is kept fast without leaving the real path: npm takes packages from this machine's
 * npm cache where it can (`--prefer-offline`), and better-sqlite3's install script finds its
 * prebuilt binary on a loopback mirror (prebuild-install's `binary_host` setting) that serves the
 * binary `npm ci` built for this repository, instead of compiling SQLite once per agent.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { kittVersion } from "../../src/package-root.js";
import { cacheDir } from "../../src/config/paths.js";
import { launchBrowser, requireChromium, type BrowserSession } from "../support/browser.js";
import { startKitt, startProgram, type KittRun } from "../support/cli.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";
import { llamaServersOnPort, runningProcesses } from "../support/processes.js";

const chromiumPath = requireChromium();
const llama = chromiumPath === undefined ? undefined : await requireLlamaServer();
const TOKEN = "two-agents-test-token-0123456789";
const SQLITE_BINARY = "build/Release/better_sqlite3.node";
const repoSqlite = new URL("../../node_modules/better-sqlite3/", import.meta.url).pathname;

/** What a job page shows at one moment (read in the page; the CSP refuses Playwright's in-page waits). */
const JOB_STATE = `(() => {
  const root = document.querySelector("[data-job-id]");
  return { status: root.dataset.status ?? null, lines: Array.from(root.querySelectorAll("[data-job-log] .line"), (line) => line.textContent) };
})()`;

interface Agent {
  name: string;
  home: string;
  kittHome: string;
  prefix: string;
  id: string;
  port: number;
  jobId: string;
}

describe.skipIf(chromiumPath === undefined || llama === undefined)("two kitt agents installed with the install line, working for one kitt web", () => {
  const started: KittRun[] = [];
  let root: string;
  let base: string;
  let web: KittRun;
  let mirror: Server;
  const mirrored: string[] = [];
  let browser: BrowserSession;

  async function api(path: string, init: { method?: string; body?: unknown } = {}) {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "kitt-two-agents-"));
    web = startKitt(["web", "--port", "0"], { KITT_HOME: join(root, "server"), KITT_AUTH_TOKEN: TOKEN });
    started.push(web);
    // The prebuilt better-sqlite3 of this repository, packed as prebuild-install unpacks it.
    const prebuild = join(root, "better-sqlite3-prebuild.tar.gz");
    await tar.c({ gzip: true, cwd: repoSqlite, file: prebuild }, [SQLITE_BINARY]);
    mirror = createServer((request, response) => {
      mirrored.push(request.url ?? "");
      response.writeHead(200, { "content-type": "application/gzip" });
      void readFile(prebuild).then((body) => response.end(body));
    });
    await new Promise<void>((resolve) => mirror.listen(0, "127.0.0.1", resolve));
    base = /serving (\S+)/.exec(await web.waitFor(/serving http:\/\/\S+ /, 60_000))![1]!;
    browser = await launchBrowser(chromiumPath!);
  }, 120_000);

  /** Ctrl+C to whatever the test started that still runs, the last started first. */
  async function stopAll(): Promise<void> {
    for (const run of started.reverse().splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGINT");
      await run.done;
    }
  }

  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
    await stopAll();
    await new Promise((resolve) => mirror?.close(resolve));
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("enrols both through install.sh, runs a quick test on each with its log live in the browser, stores both runs with each agent's hardware and leaves nothing running", async () => {
    // This machine's npm cache, shared by both installs; the cache folder itself is the test's, so
    // what prebuild-install keeps there goes away with it.
    const machineCache = (await promisify(execFile)("npm", ["config", "get", "cache"], { timeout: 30_000 })).stdout.trim();
    const npmCache = join(root, "npm-cache");
    await mkdir(npmCache);
    await mkdir(join(machineCache, "_cacache"), { recursive: true });
    await symlink(join(machineCache, "_cacache"), join(npmCache, "_cacache"));
    const { KITT_DB_URL: _db, KITT_AUTH_TOKEN: _token, KITT_HOME: _home, KITT_MODEL_DIR: _models, ...machine } = process.env;
    const environment = (agent: Pick<Agent, "home" | "kittHome" | "prefix">) => ({
      ...machine,
      HOME: agent.home,
      KITT_HOME: agent.kittHome,
      KITT_AGENT_PREFIX: agent.prefix,
      // The llama-server build is the machine's (kitt's cache), not one per agent home.
      KITT_CACHE_DIR: cacheDir(),
      npm_config_cache: npmCache,
      npm_config_prefer_offline: "true",
      npm_config_better_sqlite3_binary_host: `http://127.0.0.1:${(mirror.address() as { port: number }).port}`,
      // node-gyp (should the prebuilt binary not fit) builds against the installed Node's headers.
      npm_config_nodedir: process.env.npm_config_nodedir ?? "/usr",
    });

    const agents = await Promise.all(
      ["box-a", "box-b"].map(async (name) => {
        const home = join(root, name);
        const made = await api("/api/v1/agents/enrolments", { method: "POST", body: { name } });
        expect(made.status).toBe(201);
        const { code, install_command: line } = made.body as { code: string; install_command: string };
        expect(line).toBe(`curl -fsSL '${base}${agentPaths.installScript}?code=${code}' | bash`);
        const agent = { name, home, kittHome: join(home, ".kitt"), prefix: join(home, "kitt-agent") };
        const installing = startProgram("bash", ["-o", "pipefail", "-c", line], environment(agent));
        started.push(installing);
        const install = await installing.done;
        expect(install.code, install.stderr).toBe(0);
        return agent;
      }),
    );
    // The installs took the prebuilt SQLite binary (the second maybe from the shared cache) rather than compiling it.
    expect(mirrored.filter((path) => path.endsWith(".tar.gz")).length).toBeGreaterThan(0);

    const listed = (await api("/api/v1/agents")).body.agents as Array<{ id: string; name: string }>;
    expect(listed.map((agent) => agent.name).sort()).toEqual(["box-a", "box-b"]);
    const model = await ensureTestModel();
    const page = await browser.context.newPage();
    await page.goto(`${base}/login`);
    await page.fill("input[name=token]", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/`);

    const ready: Agent[] = [];
    const pages: Page[] = [];
    for (const agent of agents) {
      // npm installed the very kitt the server runs, in this agent's prefix, and its init wrote this agent's configuration.
      const installed = JSON.parse(await readFile(join(agent.prefix, "lib", "node_modules", "kitt", "package.json"), "utf8")) as { version: string };
      expect(installed.version).toBe(kittVersion());
      expect(existsSync(join(agent.prefix, "lib", "node_modules", "kitt", "node_modules", "better-sqlite3", "build", "Release", "obj.target"))).toBe(false);
      const config = await readFile(join(agent.kittHome, "agent.yaml"), "utf8");
      expect(config).toContain(`server: ${base}`);
      expect(config).toMatch(new RegExp(`^name: ${agent.name}$`, "m"));
      await mkdir(join(agent.kittHome, "models"));
      await copyFile(model, join(agent.kittHome, "models", "tiny.gguf"));
      const id = listed.find((entry) => entry.name === agent.name)!.id;
      expect((await api(`/api/v1/agents/${id}`, { method: "PATCH", body: { heartbeat_interval_s: 10 } })).status).toBe(200);

      // Queued before the agent starts, so its first heartbeat takes it; the page is open before any line exists.
      const port = await freePort();
      const job = await api("/api/v1/jobs", {
        method: "POST",
        body: { model: "tiny.gguf", engine: "llama_cpp", runtime: "native", suite: "quick", target: id, options: { port, skip_warmup: true } },
      });
      expect(job.status, JSON.stringify(job.body)).toBe(201);
      expect(job.body).toMatchObject({ status: "queued", assigned_to: id });
      ready.push({ ...agent, id, port, jobId: job.body.id as string });
      const jobPage = pages.length === 0 ? page : await browser.context.newPage();
      await jobPage.goto(`${base}/jobs/${job.body.id as string}`);
      pages.push(jobPage);
    }
    // The installed copies, not this repository's build.
    const daemons = ready.map((agent) => startProgram(join(agent.prefix, "bin", "kitt"), ["agent", "start"], { ...environment(agent), NO_COLOR: "1", FORCE_COLOR: "0" }));
    started.push(...daemons);
    await Promise.all(daemons.map((daemon) => daemon.waitFor(/working for/, 60_000)));

    // Live: a log line is on the page while the server still has the job running (asked after the page was read).
    const liveWhileRunning = ready.map(() => false);
    await expect
      .poll(
        async () => {
          const states = await Promise.all(pages.map((jobPage) => jobPage.evaluate(JOB_STATE) as Promise<{ status: string | null; lines: string[] }>));
          for (const [index, state] of states.entries()) {
            if (liveWhileRunning[index] || state.lines.length === 0) continue;
            liveWhileRunning[index] = (await api(`/api/v1/jobs/${ready[index]!.jobId}`)).body.status === "running";
          }
          return states.map((state) => state.status);
        },
        { timeout: 300_000, interval: 500 },
      )
      .toEqual(["completed", "completed"]);
    expect(liveWhileRunning).toEqual([true, true]);
    for (const jobPage of pages) expect(await jobPage.textContent("[data-job-log]")).toContain("engine ready");

    for (const agent of ready) {
      const job = (await api(`/api/v1/jobs/${agent.jobId}`)).body;
      expect(job).toMatchObject({ status: "completed", assigned_to: agent.id });
      const run = (await api(`/api/v1/runs/${job.run_id as string}`)).body;
      expect(run).toMatchObject({ status: "completed", engine: "llama_cpp", model: "tiny.gguf", runtime: "native" });
      const registered = (await api(`/api/v1/agents/${agent.id}`)).body as { hardware: { cpu: unknown } };
      expect((run.hardware as { cpu: unknown }).cpu).toEqual(registered.hardware.cpu);
      expect(llamaServersOnPort(agent.port)).toEqual([]);
    }
    const runs = new Set(await Promise.all(ready.map(async (agent) => (await api(`/api/v1/jobs/${agent.jobId}`)).body.run_id)));
    expect(runs.size).toBe(2);

    // Stopped as a person stops them: nothing this test started runs any more.
    const pids = [web, ...daemons].map((run) => run.child.pid);
    await stopAll();
    // The agents' own runs and engines name a path under the test's folder (the installed kitt, the model).
    expect(runningProcesses((argv) => argv.some((arg) => arg.includes(root)))).toEqual([]);
    expect(runningProcesses(() => true).filter((pid) => pids.includes(pid))).toEqual([]);
    for (const agent of ready) expect(llamaServersOnPort(agent.port)).toEqual([]);
  }, 600_000);
});
