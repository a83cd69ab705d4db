/**
 * Enrolling agents, on SQLite and PostgreSQL: codes made by `kitt web agent enrol` and the API
 * are stored only as hashes; the install script and the package answer 401 without a code, with
 * an unknown, a used or an expired one; the script carries the package's SHA-256 (the one the
 * package route serves) and the certificate pin when there is one; a code is used by register,
 * once.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webAgentEnrolCommand } from "../../src/cli/commands/web-agent.js";
import { AgentPackage } from "../../src/server/agents/agent-package.js";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { allBackends } from "../store/backends.js";
import { runKitt, tempKittHome } from "../support/cli.js";
import { enrolWithCode, postJson, registration } from "./agent-support.js";
import { startTestServer, stdoutOf, type TestServer } from "./support.js";

const backends = await allBackends();
const TOKEN = "enrolment-test-token";
const PIN = `sha256//${Buffer.alloc(32, 7).toString("base64")}`;
// Packed once for both databases: `npm pack` of this checkout.
const pack = new AgentPackage(tempKittHome());
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

describe.each(backends)("agent enrolment on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  let db: string;
  let store: ResultsStore;
  let web: TestServer;

  beforeAll(async () => {
    if (!backend.available) return;
    db = await backend.freshUrl();
    store = await openStore({ url: db });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, publicKeyPin: PIN, agentPackage: pack });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
  });

  const enrol = async (body: unknown = {}) => {
    const response = await postJson(web, "/api/v1/agents/enrolments", body, TOKEN);
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { id: string; code: string; name: string | null; expires_at: number; install_command: string };
  };

  test("the API makes a code kept only as its SHA-256, with a pinned install line; only a person's token may ask", async () => {
    const made = await enrol({ name: "gpu-a", ttl_s: 600 });
    expect(made.code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(made.install_command).toBe(`curl -fsSL --pinnedpubkey '${PIN}' '${web.url}${agentPaths.installScript}?code=${made.code}' | bash`);
    expect(made.expires_at - Date.now()).toBeGreaterThan(590_000);
    expect(made.expires_at - Date.now()).toBeLessThanOrEqual(600_000);
    const rows = await store.db.selectFrom("agent_enrolments").selectAll().execute();
    const row = rows.find((r) => r.id === made.id)!;
    expect(row.code_hash).toBe(createHash("sha256").update(made.code).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(made.code);

    expect((await postJson(web, "/api/v1/agents/enrolments", {})).status).toBe(401);
    expect((await postJson(web, "/api/v1/agents/enrolments", { ttl_s: 5 }, TOKEN)).status).toBe(400);
    expect((await postJson(web, "/api/v1/agents/enrolments", { name: "a b" }, TOKEN)).status).toBe(400);
  });

  test("install.sh and the package answer 401 without a code, with an unknown, an expired or a used one", async () => {
    const fresh = await enrol();
    const used = await enrol();
    await enrolWithCode(web, used.code, "used-code-agent");
    const expired = await enrol({ ttl_s: 60 });
    await store.db.updateTable("agent_enrolments").set({ expires_at: Date.now() - 1 }).where("id", "=", expired.id).execute();

    for (const path of [agentPaths.installScript, agentPaths.package]) {
      for (const query of ["", "?code=", "?code=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `?code=${used.code}`, `?code=${expired.code}`, "?code=%27%3B%20rm%20-rf%20~"]) {
        const response = await web.fetch(`${path}${query}`);
        expect(response.status, `${path}${query}`).toBe(401);
        expect(await response.text()).not.toContain("#!/");
      }
      // A person's token is no way in either.
      expect((await web.fetch(`${path}?code=${fresh.code}`, { token: TOKEN })).status).toBe(403);
    }
    // Register with them: 401 too, and no agent made.
    for (const code of [used.code, expired.code, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]) {
      expect((await postJson(web, agentPaths.register, registration("nope", { code }))).status).toBe(401);
    }
    expect((await postJson(web, agentPaths.register, registration("nope"))).status).toBe(401);
    expect((await store.db.selectFrom("agents").select("name").execute()).map((row) => row.name)).toEqual(["used-code-agent"]);
  });

  test("the script installs the very package served (its SHA-256 checked), pinned, and runs 'kitt agent init' with the code; the code stays good until register uses it, once", async () => {
    const made = await enrol({ name: "gpu-b" });
    const script = await web.fetch(`${agentPaths.installScript}?code=${made.code}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("text/x-shellscript");
    const text = await script.text();
    const response = await web.fetch(`${agentPaths.package}?code=${made.code}`);
    expect(response.status).toBe(200);
    const tarball = Buffer.from(await response.arrayBuffer());
    const sha256 = createHash("sha256").update(tarball).digest("hex");
    expect(response.headers.get("x-kitt-sha256")).toBe(sha256);
    expect(tarball.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(text).toContain(`expected_sha256='${sha256}'`);
    expect(text).toContain(`--pinnedpubkey '${PIN}'`);
    expect(text).toContain(`agent init --server "$server" --code "$code" --ca-pin '${PIN}' </dev/null`);
    expect(text).toContain(`code='${made.code}'`);
    // bash accepts it as a script.
    const { execFileSync } = await import("node:child_process");
    execFileSync("bash", ["-n"], { input: text });

    // Downloading used nothing up; register does, once; a second register with the code is refused.
    const agent = await enrolWithCode(web, made.code, "host-name");
    expect(((await (await web.fetch(`/api/v1/agents/${agent.agent_id}`, { token: TOKEN })).json()) as { name: string }).name).toBe("gpu-b");
    expect((await postJson(web, agentPaths.register, registration("again", { code: made.code }))).status).toBe(401);
    expect((await web.fetch(`${agentPaths.installScript}?code=${made.code}`)).status).toBe(401);
    // An agent's token fetches the package (kitt agent update).
    const update = await web.fetch(agentPaths.package, { token: agent.token });
    expect(update.status).toBe(200);
    expect(update.headers.get("x-kitt-sha256")).toBe(sha256);
    await update.arrayBuffer();
  }, 240_000);

  test("'kitt web agent enrol' prints a code and the install line once; the code works against the server", async () => {
    const out = await stdoutOf(() => webAgentEnrolCommand({ db, name: "gpu-c", ttl: 1800, server: web.url }));
    const [code, line] = out.trim().split("\n");
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(line).toBe(`curl -fsSL '${web.url}${agentPaths.installScript}?code=${code}' | bash`);
    const agent = await enrolWithCode(web, code!, "whatever");
    expect(((await (await web.fetch(`/api/v1/agents/${agent.agent_id}`, { token: TOKEN })).json()) as { name: string }).name).toBe("gpu-c");

    // The built CLI: bad values are one-line usage errors (exit 2), nothing stored.
    const before = (await store.db.selectFrom("agent_enrolments").select("id").execute()).length;
    for (const args of [["--ttl", "0"], ["--ttl", "8d"], ["--name", "a b"], ["--server", "https://host/path?x"]]) {
      const run = await runKitt(["web", "agent", "enrol", "--db", db, ...args]);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await store.db.selectFrom("agent_enrolments").select("id").execute()).length).toBe(before);
  }, 60_000);
});
