/**
 * `kitt agent` with a server on kitt web's self-signed certificate: `init --ca-pin` with the
 * certificate's fingerprint enrols over HTTPS, without a pin the certificate is not trusted, and
 * a daemon whose pin no longer matches the server's certificate stops with that reason, having
 * sent nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentConfigPath, loadAgentConfig, saveAgentConfig } from "../../src/agent/agent-config.js";
import { AgentDaemon } from "../../src/agent/agent-daemon.js";
import { EXIT_CODES } from "../../src/errors.js";
import { selfSignedCertificate, type ServerCertificate } from "../../src/server/tls/certificate.js";
import { kittBin, runKitt, tempKittHome } from "../support/cli.js";
import { ProtocolServer } from "./protocol-server.js";

describe("kitt agent over HTTPS with a pinned certificate", () => {
  let certificate: ServerCertificate;
  let server: ProtocolServer;

  beforeAll(async () => {
    certificate = await selfSignedCertificate({ KITT_HOME: tempKittHome() }, ["127.0.0.1"]);
    server = await ProtocolServer.start(certificate);
  });
  afterAll(() => server?.close());

  it("enrols with the pinned fingerprint, not without it; a daemon whose pin no longer matches stops and sends nothing", async () => {
    const home = tempKittHome();
    const unpinned = await runKitt(["agent", "init", "--server", server.url, "--code", server.code], { KITT_HOME: home });
    expect(unpinned.code).toBe(EXIT_CODES.SERVER_UNREACHABLE);
    expect(unpinned.stderr).toMatch(/certificate/i);
    expect(server.registrations).toEqual([]);

    const pin = certificate.fingerprint256.replaceAll(":", "").toLowerCase();
    const enrolled = await runKitt(["agent", "init", "--server", server.url, "--code", server.code, "--ca-pin", pin, "--name", "tls-box"], { KITT_HOME: home });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(server.registrations).toEqual([{ withCode: true, withToken: false, name: "tls-box" }]);
    const path = agentConfigPath({ KITT_HOME: home });
    const config = await loadAgentConfig(path);
    expect(config.ca_pin).toBe(certificate.fingerprint256);

    // The server's certificate changed (or someone is in between): the pin no longer matches.
    await saveAgentConfig({ ...config, ca_pin: "00".repeat(32) }, path);
    const requests = server.requests.length;
    await using daemon = await AgentDaemon.start({ env: { ...process.env, KITT_HOME: home }, kittBin, heartbeatMs: 200, retryMs: 200, log: () => undefined });
    const end = await daemon.ended;
    expect(end).toMatchObject({ reason: "pin_mismatch", message: expect.stringContaining(`SHA-256 fingerprint ${certificate.fingerprint256}, not the pinned`) as string });
    expect(server.requests.length).toBe(requests);
    expect(server.heartbeats).toEqual([]);
  }, 60_000);
});
