/** `agent.yaml`: written 0600 and atomically, refused when others may read it, validated with located errors. */
import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { agentConfigPath, loadAgentConfig, saveAgentConfig, type AgentConfig } from "../../src/agent/agent-config.js";
import { KittError } from "../../src/errors.js";
import { tempKittHome } from "../support/cli.js";

const PIN = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";

function config(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    server: "https://kitt.example:8443",
    agent_id: "agent-1",
    token: "kitt_agent_agent-1_secret_mac",
    name: "gpu-box-1",
    model_dir: "/srv/models",
    ca_pin: PIN,
    settings: { heartbeat_interval_s: 30, auto_cleanup: true },
    ...overrides,
  };
}

async function refusal(path: string): Promise<KittError> {
  const error = await loadAgentConfig(path).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

describe("agent configuration", () => {
  it("is written 0600 whatever the umask, leaves no temporary file, and reads back with the pin in one form", async () => {
    const home = tempKittHome();
    const path = agentConfigPath({ KITT_HOME: home });
    const umask = process.umask(0o000);
    try {
      await saveAgentConfig(config({ ca_pin: PIN.replaceAll(":", "") }), path);
    } finally {
      process.umask(umask);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(home)).toEqual(["agent.yaml"]);
    const loaded = await loadAgentConfig(path);
    expect(loaded).toEqual(config({ ca_pin: PIN.toUpperCase() }));
    await saveAgentConfig({ ...loaded, settings: { heartbeat_interval_s: 60, auto_cleanup: false } }, path);
    expect((await loadAgentConfig(path)).settings).toEqual({ heartbeat_interval_s: 60, auto_cleanup: false });
  });

  it("is refused when group or others may read it, naming the fix", async () => {
    const path = agentConfigPath({ KITT_HOME: tempKittHome() });
    await saveAgentConfig(config(), path);
    for (const mode of [0o640, 0o604]) {
      await chmod(path, mode);
      const error = await refusal(path);
      expect(error.code).toBe("CONFIG_INVALID");
      expect(error.message).toContain(`mode 0${mode.toString(8)}`);
      expect(error.message).toContain(`chmod 600 ${path}`);
    }
  });

  it("locates YAML and schema errors as file:line:col, and says how to enrol when there is no file", async () => {
    const path = agentConfigPath({ KITT_HOME: tempKittHome() });
    expect((await refusal(path)).code).toBe("NOT_FOUND");
    expect((await refusal(path)).message).toContain("kitt agent init --server URL --code CODE");

    await writeFile(path, "server: https://a\nagent_id: [unclosed\n", { mode: 0o600 });
    const syntax = await refusal(path);
    expect(syntax.code).toBe("CONFIG_INVALID");
    expect(syntax.message).toMatch(new RegExp(`^${path}:\\d+:\\d+ `));

    const text = (await saveAgentConfig(config(), path), await readFile(path, "utf8"));
    const lines = text.split("\n");
    const pinLine = lines.findIndex((line) => line.startsWith("ca_pin:")) + 1;
    await writeFile(path, text.replace(/^ca_pin: .*$/m, "ca_pin: not-a-fingerprint"), { mode: 0o600 });
    const pin = await refusal(path);
    expect(pin.message).toBe(`${path}:${pinLine}:9 ca_pin: sha256//BASE64 (the public key) or the SHA-256 fingerprint: 64 hex digits, colons optional`);

    await writeFile(path, text.replace(/^token: .*$/m, "token: not-an-agent-token"), { mode: 0o600 });
    expect((await refusal(path)).message).toMatch(new RegExp(`^${path}:\\d+:8 token: `));
    await writeFile(path, `${text}surprise: 1\n`, { mode: 0o600 });
    expect((await refusal(path)).message).toContain("surprise");
  });
});
