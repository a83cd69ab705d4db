/**
 * The install line as a person runs it: `curl … install.sh?code=… | bash` against a live `kitt
 * web`, with Node's own npm installing the served tarball (and its dependencies) into a temp
 * prefix. The installed kitt is the server's version, and the script ends by handing the code
 * to `kitt agent init` from that prefix.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { kittVersion } from "../../src/package-root.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { postJson } from "./agent-support.js";
import { startTestServer, type TestServer } from "./support.js";

const TOKEN = "install-test-token";
const run = promisify(execFile);

describe("the agent install script", () => {
  let store: ResultsStore;
  let web: TestServer;
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "kitt-agent-install-"));
    store = await openStore({ url: join(home, "server.db") });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env: { KITT_HOME: join(home, "server-home") } });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("installs the served package into the prefix with npm and runs 'kitt agent init --server --code' from there", async () => {
    const made = await postJson(web, "/api/v1/agents/enrolments", { name: "installed" }, TOKEN);
    const { code, install_command: line } = (await made.json()) as { code: string; install_command: string };
    expect(line).toBe(`curl -fsSL '${web.url}${agentPaths.installScript}?code=${code}' | bash`);
    const prefix = join(home, "agent");
    // This machine's environment (its CA bundle and proxy settings for the registry) with a home of the agent's own.
    const { KITT_DB_URL: _db, KITT_AUTH_TOKEN: _token, ...machine } = process.env;
    const env = {
      ...machine,
      HOME: join(home, "agent-home"),
      KITT_HOME: join(home, "agent-home", ".kitt"),
      KITT_AGENT_PREFIX: prefix,
      // node-gyp builds better-sqlite3 against the installed Node's headers (no download).
      npm_config_nodedir: process.env.npm_config_nodedir ?? "/usr",
    };
    const result = await run("bash", ["-o", "pipefail", "-c", line], { env, timeout: 540_000, maxBuffer: 16 * 1024 * 1024 }).then(
      (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
    );

    // npm installed the very kitt the server runs, under the prefix.
    const installed = JSON.parse(await readFile(join(prefix, "lib", "node_modules", "kitt", "package.json"), "utf8")) as { version: string };
    expect(installed.version).toBe(kittVersion());
    const version = await run(join(prefix, "bin", "kitt"), ["--version"], { env, timeout: 30_000 });
    expect(version.stdout.trim()).toBe(kittVersion());
    // The script's last step is the installed kitt's `agent init`, which trades the code for the agent's token.
    expect(result.code, result.stderr).toBe(0);
    const agents = (await (await web.fetch("/api/v1/agents", { token: TOKEN })).json()) as { agents: Array<{ name: string }> };
    expect(agents.agents.map((agent) => agent.name)).toEqual(["installed"]);
    const config = await readFile(join(home, "agent-home", ".kitt", "agent.yaml"), "utf8");
    expect(config).toContain(`server: ${web.url}`);
  }, 600_000);
});
