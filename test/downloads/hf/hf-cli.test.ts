/**
 * `kitt models download` (the built CLI, as a person runs it) fetching Hugging Face models from
 * the local Hub emulator through HF_ENDPOINT: `hf://org/repo`, a bare `org/repo` with
 * `--revision`, a tampered file, a gated model without a token, an unknown revision.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKitt, tempKittHome } from "../../support/cli.js";
import { EMULATED_COMMIT, HubEmulator } from "../../support/hub-emulator.js";
import { freePort } from "../../support/llama.js";

const TOKEN = "hf_cli_token";
const MODEL = "org/tiny-model";
const weights = randomBytes(300_000);
const config = Buffer.from('{"model_type": "llama"}\n');
let hub: HubEmulator;

beforeAll(async () => {
  hub = await HubEmulator.start({ tokens: [TOKEN], gated: { "org/gated-model": [TOKEN] } });
  hub.setFile({ kind: "model", repo: MODEL, path: "model.safetensors", bytes: weights });
  hub.setFile({ kind: "model", repo: MODEL, path: "config.json", bytes: config, lfs: false });
  hub.setFile({ kind: "model", repo: "org/gated-model", path: "weights.bin", bytes: weights });
});

afterAll(async () => {
  await hub?.close();
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function download(args: string[], extraEnv: Record<string, string> = {}) {
  const into = join(mkdtempSync(join(tmpdir(), "kitt-hf-cli-")), "model");
  const env = { KITT_HOME: tempKittHome(), HF_HOME: mkdtempSync(join(tmpdir(), "kitt-hf-home-")), HF_ENDPOINT: hub.url, HF_TOKEN: "", HF_AUTH_TOKEN: "", HF_REVISION: "", ...extraEnv };
  const result = await startKitt(["models", "download", ...args, "-o", into, "--json"], env).done;
  return { ...result, into };
}

/** The one error line kitt ends with (progress lines come before it), and nothing after it. */
function errorLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines.filter((line) => line.includes("kitt: error:"))).toHaveLength(1);
  return lines.at(-1)!.slice(lines.at(-1)!.indexOf("kitt: error:"));
}

function expectModel(into: string): void {
  expect(sha256(readFileSync(join(into, "model.safetensors")))).toBe(sha256(weights));
  expect(readFileSync(join(into, "config.json"), "utf8")).toBe(config.toString());
}

describe("kitt models download from the Hugging Face Hub", () => {
  it("hf://org/repo: every file placed and verified; the token goes to the Hub, not to the CDN", async () => {
    const before = hub.requests.length;
    const run = await download([`hf://${MODEL}`, "--part-size", "1"], { HF_TOKEN: TOKEN });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dest: run.into, files: 2, bytes: weights.byteLength + config.byteLength, alreadyComplete: false, source: `hf://${MODEL}@main` });
    expectModel(run.into);
    const seen = hub.requests.slice(before);
    expect(seen.filter((r) => r.server === "hub").every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(seen.filter((r) => r.server === "cdn").map((r) => r.authorization)).toEqual([undefined]);
  }, 60_000);

  it("a bare org/repo with --revision: every file from that commit", async () => {
    const before = hub.requests.length;
    const run = await download([MODEL, "--revision", EMULATED_COMMIT]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ files: 2, source: `hf://${MODEL}@${EMULATED_COMMIT}` });
    expectModel(run.into);
    const paths = hub.requests.slice(before).map((r) => r.path);
    expect(paths[0]).toMatch(new RegExp(`^/api/models/${MODEL}/revision/${EMULATED_COMMIT}\\?`));
    expect(paths.filter((path) => path.includes("/resolve/")).every((path) => path.startsWith(`/${MODEL}/resolve/${EMULATED_COMMIT}/`))).toBe(true);
  }, 60_000);

  it("a tampered file is refused (exit 19) and the folder never appears", async () => {
    hub.corrupt.add(sha256(weights));
    try {
      const run = await download([`hf://${MODEL}`]);
      expect(run.code).toBe(19);
      expect(errorLine(run.stderr)).toMatch(new RegExp(`^kitt: error: hf://${MODEL}@main: model\\.safetensors does not verify \\(sha256 [0-9a-f]{64}, expected ${sha256(weights)}\\)`));
      expect(existsSync(run.into)).toBe(false);
    } finally {
      hub.corrupt.delete(sha256(weights));
    }
  }, 60_000);

  it("a gated model without a token: exit 24 and one line saying what to do", async () => {
    const run = await download(["hf://org/gated-model"]);
    expect(run.code).toBe(24);
    expect(errorLine(run.stderr)).toBe(
      `kitt: error: org/gated-model is a gated model and no Hub token is set (401 GatedRepo: Access to model org/gated-model is restricted. You must have access to it and be authenticated to access it. Please log in.): accept its terms at ${hub.url}/org/gated-model, then create a read token at ${hub.url}/settings/tokens and set HF_TOKEN to it (or save it with \`hf auth login\`)`,
    );
    expect(existsSync(run.into)).toBe(false);
  }, 60_000);

  it("a Hub that cannot be reached: exit 19 and one line naming it", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await download([`hf://${MODEL}`], { HF_ENDPOINT: closed });
    expect(run.code).toBe(19);
    expect(errorLine(run.stderr)).toBe(`kitt: error: hf://${MODEL}@main: cannot list the files: cannot reach ${closed} (ECONNREFUSED); check HF_ENDPOINT and the network, then run the download again`);
    expect(existsSync(run.into)).toBe(false);
  }, 60_000);

  it("an unknown revision: exit 17", async () => {
    const run = await download([`hf://${MODEL}@v9`]);
    expect(run.code).toBe(17);
    expect(errorLine(run.stderr)).toBe(`kitt: error: ${MODEL} has no revision v9 (404 RevisionNotFound: Invalid rev id: v9): check the @revision, --revision or HF_REVISION`);
  }, 60_000);
});
