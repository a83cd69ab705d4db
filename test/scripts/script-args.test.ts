/**
 * The benchmark scripts take only the flags they document: `--help` prints the usage, and a typo
 * exits 2 with the usage instead of starting a run that takes minutes.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

async function script(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [`scripts/${name}`, ...args], { cwd: root, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("benchmark scripts' flags", () => {
  for (const name of ["bench-quality.ts", "bench-client.ts", "bench-store.ts", "bench-agents.ts", "chaos.ts"]) {
    it(`${name}: --help prints the usage; an unknown flag exits 2 with the usage`, async () => {
      const help = await script(name, ["--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`usage: `);
      expect(help.stdout).toContain(`scripts/${name}`);
      const typo = await script(name, ["--limt", "3"]);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain("Unknown option '--limt'");
      expect(typo.stderr).toContain(`scripts/${name}`);
    }, 60_000);
  }

  it("bench-quality.ts refuses a method it does not have", async () => {
    const result = await script("bench-quality.ts", ["--method", "generate_until"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--method takes one of loglikelihood, top_k_letters");
  }, 60_000);
});
