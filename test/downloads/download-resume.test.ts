/**
 * `kitt models download` killed with SIGKILL halfway through resumes on the next run: the bytes
 * it had are kept (and verified with the rest), only the missing ones are fetched again.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runKitt, startKitt } from "../support/cli.js";
import { startS3Server, type S3TestServer } from "../support/s3-server.js";

const MiB = 1024 * 1024;
const SIZE = 48 * MiB;
let s3: S3TestServer;
let work: string;
const weights = randomBytes(SIZE);

beforeAll(async () => {
  s3 = await startS3Server();
  work = mkdtempSync(join(tmpdir(), "kitt-resume-"));
  await s3.putMultipart("big/model.safetensors", weights, 8 * MiB);
});

afterAll(async () => {
  await s3?.[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

it("resumes after SIGKILL at about half without fetching again what it had", { timeout: 90_000 }, async () => {
  const dest = join(work, "big");
  const args = ["models", "download", `s3://${s3.bucket}/big`, "-o", dest, "--part-size", "4", "--concurrency", "4"];
  s3.throttle(12 * MiB);
  const first = startKitt(args, s3.env);
  // What kitt has written and recorded, from the resume state it keeps beside the destination.
  const stateFile = join(work, ".big.kitt-download", "state.json");
  const kept = (): number => {
    try {
      const state = JSON.parse(readFileSync(stateFile, "utf8")) as { files: Record<string, { written: number[] }> };
      return Object.values(state.files).reduce((sum, file) => sum + file.written.reduce((a, b) => a + b, 0), 0);
    } catch {
      return 0;
    }
  };
  const deadline = Date.now() + 60_000;
  while (kept() < SIZE / 2) {
    if (Date.now() > deadline || first.child.exitCode !== null) throw new Error(`the download did not reach half: ${first.stderr()}`);
    await sleep(20);
  }
  first.child.kill("SIGKILL");
  expect((await first.done).code).toBe(137);
  const keptAtKill = kept();
  expect(keptAtKill).toBeLessThan(SIZE * 0.9);
  expect(existsSync(dest)).toBe(false); // never half a model at the destination

  s3.throttle(undefined);
  const since = s3.requests.length;
  const { code, stderr } = await runKitt(args, s3.env);
  expect(code, stderr).toBe(0);
  // Exactly the bytes it did not have: not one it had is fetched again.
  expect(s3.objectBytesServed(since)).toBe(SIZE - keptAtKill);
  expect(stderr).toMatch(/kept from an earlier run/);
  expect(readFileSync(join(dest, "model.safetensors")).equals(weights)).toBe(true);
  expect(readdirSync(work)).toEqual(["big"]);
});
