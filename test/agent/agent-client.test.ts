/**
 * The agent's protocol client against a real HTTPS server with kitt web's self-signed
 * certificate: the pinned fingerprint lets it through (and only then is the token sent), another
 * fingerprint is refused before anything is written, an unpinned client trusts no self-signed
 * certificate; 401, 404 unknown_agent, 5xx, other 4xx, an answer that is not the protocol and a
 * server that never answers each end as their outcome; uploads carry the digest and run id.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient, valueOf, type Heartbeat } from "../../src/agent/agent-client.js";
import { KittError } from "../../src/errors.js";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { selfSignedCertificate, type ServerCertificate } from "../../src/server/tls/certificate.js";
import { tempKittHome } from "../support/cli.js";

const TOKEN = "kitt_agent_a1_secret_mac";
const HEARTBEAT: Heartbeat = { status: "idle", running_job: null, gpus: [], free_model_storage_gb: 12.5, kitt_version: "0.0.0" };

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

describe("agent protocol client", () => {
  let certificate: ServerCertificate;
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let answer: (request: Seen, response: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    certificate = await selfSignedCertificate({ KITT_HOME: tempKittHome() }, ["127.0.0.1"]);
    server = createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const entry = { method: request.method ?? "", url: request.url ?? "", authorization: request.headers.authorization, headers: request.headers, body: Buffer.concat(chunks) };
        seen.push(entry);
        answer(entry, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const json = (status: number, body: unknown) => (_request: Seen, response: ServerResponse) => {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const client = (options: { pin?: string; timeoutMs?: number } = {}) =>
    new AgentClient({ server: `${base}/`, token: TOKEN, caPin: options.pin ?? certificate.fingerprint256, timeoutMs: options.timeoutMs });

  it("talks to the server whose certificate has the pinned fingerprint, sending the token and validating the answer", async () => {
    seen.length = 0;
    answer = json(200, { commands: [{ type: "check_docker", command_id: "c1" }], settings: { heartbeat_interval_s: 15 } });
    await using agent = client();
    const outcome = await agent.heartbeat(HEARTBEAT);
    expect(outcome).toEqual({ kind: "ok", value: { commands: [{ type: "check_docker", command_id: "c1" }], settings: { heartbeat_interval_s: 15, auto_cleanup: true } } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "POST", url: agentPaths.heartbeat, authorization: `Bearer ${TOKEN}` });
    expect(JSON.parse(seen[0]!.body.toString())).toEqual(HEARTBEAT);
  });

  it("refuses a server with another certificate before sending anything, and a self-signed one without a pin", async () => {
    seen.length = 0;
    answer = json(200, {});
    const other = certificate.fingerprint256.replace(/^../, certificate.fingerprint256.startsWith("00") ? "11" : "00");
    await using wrong = client({ pin: other });
    const outcome = await wrong.heartbeat(HEARTBEAT);
    expect(outcome.kind).toBe("pin_mismatch");
    expect(outcome.kind === "pin_mismatch" && outcome.message).toContain(`SHA-256 fingerprint ${certificate.fingerprint256}, not the pinned ${other}`);
    expect(() => valueOf(outcome)).toThrow(expect.objectContaining({ code: "TLS_PIN_MISMATCH" }) as KittError);

    await using unpinned = new AgentClient({ server: base, token: TOKEN });
    const untrusted = await unpinned.heartbeat(HEARTBEAT);
    expect(untrusted.kind).toBe("unreachable");
    expect(untrusted.kind === "unreachable" && untrusted.message).toMatch(/certificate/i);
    expect(seen).toEqual([]);
  });

  it("enrols with the code in the body and no token", async () => {
    seen.length = 0;
    answer = json(201, { agent_id: "a1", name: "box-a", token: TOKEN, settings: {} });
    await using agent = new AgentClient({ server: base, caPin: certificate.fingerprint256 });
    const outcome = await agent.register({ code: "c".repeat(32), name: "box", kitt_version: "1", hardware: {}, engines: [] });
    expect(outcome).toEqual({ kind: "ok", value: { agent_id: "a1", name: "box-a", token: TOKEN, settings: { heartbeat_interval_s: 30, auto_cleanup: true } } });
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it("ends each kind of refusal as its outcome", async () => {
    await using agent = client({ timeoutMs: 1500 });
    answer = json(401, { error: "token revoked" });
    const revoked = await agent.heartbeat(HEARTBEAT);
    expect(revoked.kind).toBe("revoked");
    expect(() => valueOf(revoked)).toThrow(expect.objectContaining({ code: "AGENT_REVOKED" }) as KittError);
    answer = json(404, { error: "unknown_agent" });
    expect((await agent.heartbeat(HEARTBEAT)).kind).toBe("unknown_agent");
    answer = json(404, { error: "no such job" });
    expect(await agent.jobFinish("j1", { status: "completed", exit_code: 0, error: null, run_id: null })).toMatchObject({ kind: "rejected", status: 404 });
    answer = json(503, { error: "database unavailable" });
    expect(await agent.heartbeat(HEARTBEAT)).toMatchObject({ kind: "unreachable", message: expect.stringContaining("503: database unavailable") as string });
    answer = json(200, { commands: [{ type: "format_disk", command_id: "x" }], settings: {} });
    expect(await agent.heartbeat(HEARTBEAT)).toMatchObject({ kind: "unreachable", message: expect.stringContaining("not the agent protocol") as string });

    answer = () => undefined; // never answers
    const started = Date.now();
    const silent = await agent.heartbeat(HEARTBEAT);
    expect(silent).toMatchObject({ kind: "unreachable", message: expect.stringContaining("no answer within 1.5 s") as string });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(() => valueOf(silent)).toThrow(expect.objectContaining({ code: "SERVER_UNREACHABLE" }) as KittError);
  });

  it("uploads a results archive with its digest and run id", async () => {
    seen.length = 0;
    answer = json(200, { stored: true });
    const path = join(tempKittHome(), "results.tar.gz");
    const content = Buffer.alloc(300_000, 7);
    await writeFile(path, content);
    const sha256 = createHash("sha256").update(content).digest("hex");
    await using agent = client();
    expect(await agent.uploadResults("job/1", { path, sha256, runId: "run-9" })).toEqual({ kind: "ok", value: undefined });
    expect(seen[0]).toMatchObject({ method: "PUT", url: agentPaths.jobResults("job/1") });
    expect(seen[0]!.headers["x-kitt-sha256"]).toBe(sha256);
    expect(seen[0]!.headers["x-kitt-run-id"]).toBe("run-9");
    expect(seen[0]!.body.equals(content)).toBe(true);
  });

  it("reaches nothing where nothing listens", async () => {
    await using agent = new AgentClient({ server: "http://127.0.0.1:1", token: TOKEN, timeoutMs: 2000 });
    expect((await agent.heartbeat(HEARTBEAT)).kind).toBe("unreachable");
  });
});
