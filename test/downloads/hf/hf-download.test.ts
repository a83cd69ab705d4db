/**
 * A Hugging Face model downloaded by kitt's downloader, through the `hf` entry of the source
 * registry, from the local Hub emulator: every file placed and verified, parallel ranged parts,
 * a dropped connection taken up again, and a file whose bytes do not match the Hub's sha256 refused.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadModel } from "../../../src/downloads/model-download.js";
import { KittError } from "../../../src/errors.js";
import { EMULATED_COMMIT, HubEmulator } from "../../support/hub-emulator.js";

const MODEL = "org/tiny-model";
const weights = randomBytes(600_000);
const tokenizer = randomBytes(50_000);
const config = Buffer.from('{"model_type": "llama"}\n');
let hub: HubEmulator;

beforeAll(async () => {
  hub = await HubEmulator.start();
  hub.setFile({ kind: "model", repo: MODEL, path: "model.safetensors", bytes: weights, xet: true });
  hub.setFile({ kind: "model", repo: MODEL, path: "config.json", bytes: config, lfs: false });
  hub.setFile({ kind: "model", repo: MODEL, path: "tokenizer/tokenizer.json", bytes: tokenizer });
});

afterAll(async () => {
  await hub?.close();
});

function env(): NodeJS.ProcessEnv {
  return { HF_HOME: mkdtempSync(join(tmpdir(), "kitt-hf-home-")), HF_ENDPOINT: hub.url };
}

const dest = () => join(mkdtempSync(join(tmpdir(), "kitt-hf-dl-")), "model");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("downloading a Hub model", () => {
  it("places every file of the commit, read in parallel ranged parts, each verified", async () => {
    const into = dest();
    const before = hub.requests.length;
    const result = await downloadModel(`hf://${MODEL}`, into, { env: env(), partSize: 100_000, concurrency: 4, retryDelayMs: 0 });
    expect(result).toMatchObject({ dest: into, files: 3, bytes: weights.byteLength + tokenizer.byteLength + config.byteLength, alreadyComplete: false, source: `hf://${MODEL}@main` });
    expect(sha256(readFileSync(join(into, "model.safetensors")))).toBe(sha256(weights));
    expect(sha256(readFileSync(join(into, "tokenizer", "tokenizer.json")))).toBe(sha256(tokenizer));
    expect(readFileSync(join(into, "config.json"), "utf8")).toBe(config.toString());
    // The weights came in six ranges of the CDN, each asked of the Hub at the commit.
    const seen = hub.requests.slice(before);
    const weightRanges = seen.filter((r) => r.server === "cdn" && r.path.includes(sha256(weights)));
    expect(weightRanges.map((r) => r.range).sort()).toEqual(
      ["bytes=0-99999", "bytes=100000-199999", "bytes=200000-299999", "bytes=300000-399999", "bytes=400000-499999", "bytes=500000-599999"].sort(),
    );
    const resolves = seen.filter((r) => r.server === "hub" && r.path.includes("/resolve/"));
    expect(resolves).toHaveLength(6 + 1 + 1);
    expect(resolves.every((r) => r.path.startsWith(`/${MODEL}/resolve/${EMULATED_COMMIT}/`))).toBe(true);

    // Again: the destination already holds this download, so no file is fetched.
    const cdnBefore = hub.cdnRequests().length;
    const again = await downloadModel(MODEL, into, { env: env() });
    expect(again).toMatchObject({ alreadyComplete: true, bytesFetched: 0 });
    expect(hub.cdnRequests().length).toBe(cdnBefore);
  });

  it("a connection the CDN drops mid-range is taken up again from the last byte written", async () => {
    const into = dest();
    hub.cutOnce.set(sha256(weights), 150_000);
    const before = hub.requests.length;
    await downloadModel(`hf://${MODEL}`, into, { env: env(), include: ["model.safetensors"], retryDelayMs: 0 });
    expect(sha256(readFileSync(join(into, "model.safetensors")))).toBe(sha256(weights));
    const ranges = hub.requests.slice(before).filter((r) => r.server === "cdn").map((r) => r.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBe(`bytes=0-${weights.byteLength - 1}`);
    const resumedFrom = Number(/^bytes=(\d+)-/.exec(ranges[1]!)?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(150_000);
    expect(ranges[1]).toBe(`bytes=${resumedFrom}-${weights.byteLength - 1}`);
  });

  it("refuses a file whose bytes do not match the Hub's sha256, and leaves nothing at the destination", async () => {
    const into = dest();
    hub.corrupt.add(sha256(weights));
    try {
      const error = await downloadModel(`hf://${MODEL}`, into, { env: env(), retryDelayMs: 0 }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(KittError);
      expect((error as KittError).code).toBe("DOWNLOAD_FAILED");
      expect((error as KittError).message).toMatch(new RegExp(`^hf://${MODEL}@main: model\\.safetensors does not verify \\(sha256 [0-9a-f]{64}, expected ${sha256(weights)}\\)`));
    } finally {
      hub.corrupt.delete(sha256(weights));
    }
    expect(existsSync(into)).toBe(false);
    // What verified stays staged for the next run; the refused file's bytes are gone.
    expect(readdirSync(join(into, "..")).filter((name) => !name.startsWith("."))).toEqual([]);
  });
});
