/** `kitt agent`'s bad input and missing state: one clear line and a distinct exit code each, no stack trace, no hang. */
import { chmod, stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { agentConfigPath, loadAgentConfig, saveAgentConfig } from "../../src/agent/agent-config.js";
import { EXIT_CODES } from "../../src/errors.js";
import { runKitt, tempKittHome } from "../support/cli.js";

const cases: Array<[string, string[], number, RegExp]> = [
  ["a server URL that is not http(s)", ["agent", "init", "--server", "ftp://box", "--code", "c".repeat(32)], EXIT_CODES.USAGE, /--server: http or https/],
  ["a pin that is not a fingerprint", ["agent", "init", "--server", "https://box", "--code", "c".repeat(32), "--ca-pin", "xyz"], EXIT_CODES.USAGE, /--ca-pin: sha256\/\/BASE64 \(the public key\) or the SHA-256 fingerprint/],
  ["a share source without its mount", ["agent", "init", "--server", "https://box", "--code", "c".repeat(32), "--share-source", "nas:/models"], EXIT_CODES.USAGE, /--share-source needs --share-mount/],
  ["a bad name", ["agent", "init", "--server", "https://box", "--code", "c".repeat(32), "--name", "../x"], EXIT_CODES.USAGE, /--name/],
  ["a server nothing listens on", ["agent", "init", "--server", "http://127.0.0.1:1", "--code", "c".repeat(32)], EXIT_CODES.SERVER_UNREACHABLE, /did not answer/],
  ["start before init", ["agent", "start"], EXIT_CODES.NOT_FOUND, /kitt agent init --server URL --code CODE/],
  ["stop with no agent running", ["agent", "stop"], EXIT_CODES.NOT_FOUND, /no agent runs from/],
  ["stopping a job that is not running", ["agent", "test", "stop", "job-9"], EXIT_CODES.NOT_FOUND, /job job-9 is not running on this agent/],
  ["an unknown status", ["agent", "test", "list", "--status", "sideways"], EXIT_CODES.USAGE, /sideways/],
  ["preflight before init", ["agent", "preflight"], EXIT_CODES.NOT_FOUND, /kitt agent init --server URL --code CODE/],
  ["update before init", ["agent", "update"], EXIT_CODES.NOT_FOUND, /kitt agent init --server URL --code CODE/],
  ["a service before init", ["agent", "service", "install"], EXIT_CODES.NOT_FOUND, /kitt agent init --server URL --code CODE/],
];

describe("kitt agent on bad input", () => {
  it.each(cases)("%s", async (_what, args, code, message) => {
    const result = await runKitt(args, { KITT_HOME: tempKittHome() });
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses an agent.yaml that others may read, and lists no jobs before any ran", async () => {
    const home = tempKittHome();
    const path = agentConfigPath({ KITT_HOME: home });
    await saveAgentConfig({ server: "https://box", agent_id: "a", token: "kitt_agent_a_s_m", name: "box", model_dir: "/m", settings: { heartbeat_interval_s: 30, auto_cleanup: true } }, path);
    const listed = await runKitt(["agent", "test", "list"], { KITT_HOME: home });
    expect(listed).toMatchObject({ code: 0, stdout: "no jobs on this agent\n" });
    await chmod(path, 0o644);
    const status = await runKitt(["agent", "status"], { KITT_HOME: home });
    expect(status.code).toBe(EXIT_CODES.CONFIG_INVALID);
    expect(status.stderr).toContain(`chmod 600 ${path}`);
  });

  it("takes a rotated token from stdin only when it is this agent's, keeping agent.yaml private and the token unprinted", async () => {
    const home = tempKittHome();
    const path = agentConfigPath({ KITT_HOME: home });
    const id = "0b9e4c52-7d1a-4f3e-9c2b-5a6d7e8f9a0b";
    const token = (agent: string, fill: string) => `kitt_agent_${agent}_${fill.repeat(43)}_${"m".repeat(43)}`;
    await saveAgentConfig({ server: "https://box", agent_id: id, token: token(id, "o"), name: "box", model_dir: "/m", settings: { heartbeat_interval_s: 30, auto_cleanup: true } }, path);
    const set = (input: string | undefined) => runKitt(["agent", "token", "set"], { KITT_HOME: home }, undefined, input);

    const nothing = await set(undefined);
    expect([nothing.code, nothing.stderr]).toEqual([EXIT_CODES.USAGE, expect.stringContaining("nothing was given") as string]);
    const garbage = await set("hunter2\n");
    expect([garbage.code, garbage.stderr]).toEqual([EXIT_CODES.USAGE, expect.stringContaining("not an agent token") as string]);
    const other = await set(token("11111111-2222-4333-8444-555555555555", "x"));
    expect(other.code).toBe(EXIT_CODES.USAGE);
    expect(other.stderr).toContain(`this machine is agent ${id}`);
    expect((await loadAgentConfig(path)).token).toBe(token(id, "o"));

    const rotated = token(id, "n");
    const done = await set(`${rotated}\n`);
    expect(done.code, done.stderr).toBe(0);
    expect((await loadAgentConfig(path)).token).toBe(rotated);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    for (const run of [nothing, garbage, other, done]) expect(run.stdout + run.stderr).not.toMatch(/kitt_agent_[^_\s]+_[nxo]{43}/);
  });

  it("preflight lists every check and fails on a server that does not answer", async () => {
    const home = tempKittHome();
    await saveAgentConfig(
      { server: "http://127.0.0.1:1", agent_id: "a", token: "kitt_agent_a_s_m", name: "box", model_dir: home, settings: { heartbeat_interval_s: 30, auto_cleanup: true } },
      agentConfigPath({ KITT_HOME: home }),
    );
    const result = await runKitt(["agent", "preflight", "--json"], { KITT_HOME: home });
    expect(result.code, result.stderr).toBe(EXIT_CODES.PLATFORM_UNSUPPORTED);
    const checks = JSON.parse(result.stdout) as Array<{ name: string; status: string }>;
    expect(checks.map((check) => check.name)).toEqual(expect.arrayContaining(["docker", "gpus", "disk", "node", "server"]));
    expect(checks.find((check) => check.name === "server")?.status).toBe("fail");
    expect(checks.find((check) => check.name === "node")?.status).toBe("ok");
    expect(result.stderr).toContain("see the failed checks above");
  });
});
