import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHostCommand, type HostCommand, type HostCommandResult } from "../../src/agent/host-command.js";
import {
  AGENT_UNIT,
  agentServiceStatus,
  agentUnitText,
  installAgentService,
  restartAgentService,
  serviceScope,
  uninstallAgentService,
  unitDirectory,
  type ServiceHost,
} from "../../src/agent/systemd-unit.js";
import { KittError } from "../../src/errors.js";
import { kittBin } from "../support/cli.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kitt-systemd-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A systemctl that answers from `answers` (by argument line) and records every command line. */
function recordingSystemctl(answers: Record<string, HostCommandResult> = {}): HostCommand & { calls: string[] } {
  const calls: string[] = [];
  const run: HostCommand = async (file, args) => {
    const line = [file, ...args].join(" ");
    calls.push(line);
    return answers[line] ?? { exitCode: 0, output: "" };
  };
  return Object.assign(run, { calls });
}

describe("the agent's systemd unit", () => {
  it("starts kitt agent with absolute paths, its KITT_HOME, and restarts on failure", () => {
    const text = agentUnitText({ scope: "user", nodePath: "/usr/bin/node", kittBin: "/home/ann/.kitt/agent/node_modules/kitt/dist/cli/bin.js", kittHome: "/home/ann/.kitt" });
    expect(text).toContain('\nExecStart="/usr/bin/node" "/home/ann/.kitt/agent/node_modules/kitt/dist/cli/bin.js" "agent" "start"\n');
    expect(text).toContain('\nEnvironment="KITT_HOME=/home/ann/.kitt"\n');
    expect(text).toContain("\nRestart=on-failure\nRestartSec=10\n");
    expect(text).toContain("\nWantedBy=default.target\n");
    expect(text).not.toContain("network-online");
    const system = agentUnitText({ scope: "system", nodePath: "/usr/bin/node", kittBin: "/opt/kitt/bin.js", kittHome: "/root/.kitt", restartSec: 5, noRestartExitCodes: [77, 78] });
    expect(system).toContain("\nRestartSec=5\nRestartPreventExitStatus=77 78\n");
    expect(system).toContain("\nAfter=network-online.target docker.service\n");
    expect(system).toContain("\nWantedBy=multi-user.target\n");
  });

  it("escapes quotes, backslashes, % and $ in paths and refuses relative ones", () => {
    const text = agentUnitText({ scope: "user", nodePath: "/opt/node 20/bin/node", kittBin: '/x/"q"/b\\in.js', kittHome: "/home/a/100%$HOME" });
    expect(text).toContain('ExecStart="/opt/node 20/bin/node" "/x/\\"q\\"/b\\\\in.js" "agent" "start"');
    expect(text).toContain('Environment="KITT_HOME=/home/a/100%%$$HOME"');
    for (const bad of ["node", "/usr/bin/no\nde"]) {
      expect(() => agentUnitText({ scope: "user", nodePath: bad, kittBin: "/k", kittHome: "/h" })).toThrow(KittError);
    }
  });

  it.skipIf(!existsSync("/usr/bin/systemd-analyze") && !existsSync("/bin/systemd-analyze"))("passes systemd-analyze verify without a warning", () => {
    const home = join(dir, "home with space%");
    mkdirSync(home);
    const path = join(dir, AGENT_UNIT);
    writeFileSync(path, agentUnitText({ scope: "system", nodePath: process.execPath, kittBin, kittHome: home, noRestartExitCodes: [2] }));
    const result = spawnSync("systemd-analyze", ["verify", path], { encoding: "utf8", timeout: 30_000 });
    expect(result.stderr + result.stdout).toBe("");
    expect(result.status).toBe(0);
    // The same check does catch a bad unit.
    writeFileSync(path, readFileSync(path, "utf8").replace("Restart=on-failure", "Restart=sometimes"));
    expect(spawnSync("systemd-analyze", ["verify", path], { encoding: "utf8", timeout: 30_000 }).stderr).toContain("restart specifier");
  });

  it("is a system service for root and a user service under ~/.config/systemd/user otherwise", () => {
    expect(serviceScope(0)).toBe("system");
    expect(serviceScope(1000)).toBe("user");
    expect(unitDirectory("system")).toBe("/etc/systemd/system");
    expect(unitDirectory("user", { HOME: "/home/ann" })).toBe("/home/ann/.config/systemd/user");
    expect(unitDirectory("user", { HOME: "/home/ann", XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/systemd/user");
  });
});

describe("installing, checking and removing the service", () => {
  const unit = "[Service]\nExecStart=/bin/true\n";

  it("installs a user service: writes the unit, reloads, enables and starts it", async () => {
    const run = recordingSystemctl();
    const host: ServiceHost = { scope: "user", unitDir: join(dir, "systemd", "user"), run };
    const installed = await installAgentService(host, unit);
    expect(installed.unitPath).toBe(join(dir, "systemd", "user", AGENT_UNIT));
    expect(readFileSync(installed.unitPath, "utf8")).toBe(unit);
    expect(installed.notes[0]).toContain("loginctl enable-linger");
    expect(run.calls).toEqual(["systemctl --user daemon-reload", `systemctl --user enable --now ${AGENT_UNIT}`]);
  });

  it("installs a system service without --user, and restarts it", async () => {
    const run = recordingSystemctl();
    const host: ServiceHost = { scope: "system", unitDir: dir, run };
    expect((await installAgentService(host, unit)).notes).toEqual([]);
    await restartAgentService(host);
    expect(run.calls).toEqual(["systemctl daemon-reload", `systemctl enable --now ${AGENT_UNIT}`, `systemctl restart ${AGENT_UNIT}`]);
  });

  it("reports the service's state, installed or not", async () => {
    const run = recordingSystemctl({
      [`systemctl --user is-active ${AGENT_UNIT}`]: { exitCode: 3, output: "inactive", failure: "exit code 3" },
      [`systemctl --user is-enabled ${AGENT_UNIT}`]: { exitCode: 1, output: "Failed to get unit file state for kitt-agent.service: No such file or directory", failure: "exit code 1" },
    });
    const host: ServiceHost = { scope: "user", unitDir: dir, run };
    expect(await agentServiceStatus(host)).toEqual({ installed: false, unitPath: join(dir, AGENT_UNIT), active: "inactive", enabled: "unknown" });
    writeFileSync(join(dir, AGENT_UNIT), unit);
    const active = recordingSystemctl({ [`systemctl --user is-active ${AGENT_UNIT}`]: { exitCode: 0, output: "active" }, [`systemctl --user is-enabled ${AGENT_UNIT}`]: { exitCode: 0, output: "enabled" } });
    expect(await agentServiceStatus({ ...host, run: active })).toMatchObject({ installed: true, active: "active", enabled: "enabled" });
  });

  it("uninstalls: stops, disables, removes the unit and reloads; nothing to do when not installed", async () => {
    const run = recordingSystemctl();
    const host: ServiceHost = { scope: "user", unitDir: dir, run };
    expect(await uninstallAgentService(host)).toBe(false);
    expect(run.calls).toEqual([]);
    writeFileSync(join(dir, AGENT_UNIT), unit);
    writeFileSync(join(dir, "other.service"), unit);
    expect(await uninstallAgentService(host)).toBe(true);
    expect(run.calls).toEqual([`systemctl --user disable --now ${AGENT_UNIT}`, "systemctl --user daemon-reload"]);
    expect(existsSync(join(dir, AGENT_UNIT))).toBe(false);
    expect(existsSync(join(dir, "other.service"))).toBe(true);
  });

  it("says clearly when systemd is missing or refuses", async () => {
    const missing = recordingSystemctl({ "systemctl --user daemon-reload": { exitCode: undefined, output: "", failure: "not found" } });
    await expect(installAgentService({ scope: "user", unitDir: dir, run: missing }, unit)).rejects.toMatchObject({
      code: "PLATFORM_UNSUPPORTED",
      message: "systemctl not found: the agent service needs systemd; run `kitt agent start` instead",
    });
    const noBus = recordingSystemctl({ "systemctl --user daemon-reload": { exitCode: 1, output: "Failed to connect to bus: No medium found", failure: "exit code 1" } });
    await expect(installAgentService({ scope: "user", unitDir: dir, run: noBus }, unit)).rejects.toMatchObject({
      message: "systemctl --user daemon-reload failed: Failed to connect to bus: No medium found",
    });
  });
});

describe("the real systemctl", () => {
  it.skipIf(spawnSync("systemctl", ["--version"]).status !== 0)("answers status for a unit directory it does not know with words, not a crash", async () => {
    const status = await agentServiceStatus({ scope: "user", unitDir: dir, run: runHostCommand });
    expect(status.installed).toBe(false);
    expect(status.active).toMatch(/^[a-z-]+$/);
  });
});
