/**
 * The Hub downloader against the local Hub emulator: redirect to the CDN, checksum from the Hub's
 * headers, token to the Hub only, cache and its sha256 re-check, resume by Range, offline mode,
 * and the Hub's error answers turned into messages a person can act on.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KittError } from "../../../src/errors.js";
import { downloadHubFile, hubCachePaths, type DownloadProgress, type HubFile, type HubFileRef } from "../../../src/quality/data/hub/download.js";
import { EMULATED_COMMIT, HubEmulator } from "../../support/hub-emulator.js";

const TOKEN = "hf_emulated_token";
const REPO = "org/data";
let hub: HubEmulator;
const big = randomBytes(3_000_000);
const small = Buffer.from('{"hello": "world"}\n');
let bigSha: string;

beforeAll(async () => {
  hub = await HubEmulator.start({ tokens: [TOKEN, "hf_other"], gated: { "org/gated": [TOKEN] } });
  bigSha = hub.setFile({ repo: REPO, path: "main/test-00000-of-00001.parquet", bytes: big }).sha256;
  hub.setFile({ repo: REPO, path: "README.json", bytes: small, lfs: false });
  hub.setFile({ repo: "org/gated", path: "data.parquet", bytes: small });
});

afterAll(async () => {
  await hub.close();
});

/** A fresh cache and the Hub settings, as the environment gives them. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // HF_HOME: an empty folder, so a token saved on this machine is not picked up.
  return { KITT_CACHE_DIR: mkdtempSync(join(tmpdir(), "kitt-hub-")), HF_HOME: mkdtempSync(join(tmpdir(), "kitt-hf-home-")), HF_ENDPOINT: hub.url, ...extra };
}

const ref = (path = "main/test-00000-of-00001.parquet", revision = EMULATED_COMMIT, repo = REPO): HubFileRef => ({ repo, revision, path });
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function failure(promise: Promise<unknown>): Promise<KittError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

describe("downloading from the Hub", () => {
  it("follows the 302 to the CDN, verifies the X-Linked-Etag sha256, caches with a .sha256 beside, and reports progress to the total", async () => {
    const vars = env({ HF_TOKEN: TOKEN });
    const progress: DownloadProgress[] = [];
    const before = hub.requests.length;
    const file = await downloadHubFile(ref(), { env: vars, onProgress: (p) => progress.push(p) });
    expect(file).toMatchObject({ sha256: bigSha, size: big.byteLength, fromCache: false, commit: EMULATED_COMMIT });
    expect(file.localPath).toBe(join(vars.KITT_CACHE_DIR!, "datasets", "hub", "org", "data", EMULATED_COMMIT, "main", "test-00000-of-00001.parquet"));
    expect(sha256(readFileSync(file.localPath))).toBe(bigSha);
    expect(readFileSync(`${file.localPath}.sha256`, "utf8")).toBe(`${bigSha}  test-00000-of-00001.parquet\n`);
    expect(existsSync(`${file.localPath}.part`)).toBe(false);

    const seen = hub.requests.slice(before);
    expect(seen.map((r) => [r.server, r.status])).toEqual([
      ["hub", 302],
      ["cdn", 200],
    ]);
    // The token goes to the Hub, never to the signed CDN URL.
    expect(seen[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[1]!.authorization).toBeUndefined();

    expect(progress.at(-1)).toEqual({ repo: REPO, path: "main/test-00000-of-00001.parquet", done: big.byteLength, total: big.byteLength });
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);

    // Pinned to a commit: the verified cached copy is used without a request.
    const again = await downloadHubFile(ref(), { env: vars });
    expect(again).toMatchObject({ fromCache: true, sha256: bigSha, localPath: file.localPath });
    expect(hub.requests.length).toBe(before + 2);
  });

  it("sends no Authorization header without HF_TOKEN and strips a trailing slash from HF_ENDPOINT", async () => {
    const before = hub.requests.length;
    await downloadHubFile(ref(), { env: env({ HF_ENDPOINT: `${hub.url}/` }) });
    expect(hub.requests.slice(before).every((r) => r.authorization === undefined)).toBe(true);
    expect(hub.requests[before]!.path).toBe(`/datasets/${REPO}/resolve/${EMULATED_COMMIT}/main/test-00000-of-00001.parquet`);
  });

  it("without HF_TOKEN, sends the token saved by `hf auth login` ($HF_HOME/token, or $HF_TOKEN_PATH)", async () => {
    const vars = env();
    writeFileSync(join(vars.HF_HOME!, "token"), `${TOKEN}\n`);
    let before = hub.requests.length;
    await downloadHubFile(ref("data.parquet", "main", "org/gated"), { env: vars });
    expect(hub.requests[before]!.authorization).toBe(`Bearer ${TOKEN}`);

    const elsewhere = join(mkdtempSync(join(tmpdir(), "kitt-hf-token-")), "my-token");
    writeFileSync(elsewhere, "hf_wrong");
    const error = await failure(downloadHubFile(ref(), { env: { ...env(), HF_TOKEN_PATH: elsewhere } }));
    expect(error.message).toMatch(new RegExp(`^the Hub rejected the token from ${elsewhere} \\(401 `));

    // HF_TOKEN wins over the saved file.
    before = hub.requests.length;
    await downloadHubFile(ref(), { env: { ...vars, HF_TOKEN: "hf_other" } });
    expect(hub.requests[before]!.authorization).toBe("Bearer hf_other");
  });

  it("detects a corrupted cached file by its sha256 and downloads it again", async () => {
    const vars = env();
    const { localPath } = await downloadHubFile(ref(), { env: vars });
    const damaged = readFileSync(localPath);
    damaged[1000] = damaged[1000]! ^ 0x01;
    writeFileSync(localPath, damaged);
    const cdnBefore = hub.cdnRequests().length;
    const file = await downloadHubFile(ref(), { env: vars });
    expect(file.fromCache).toBe(false);
    expect(hub.cdnRequests().length).toBe(cdnBefore + 1);
    expect(sha256(readFileSync(localPath))).toBe(bigSha);
  });

  it("resumes a download cut mid-body with Range: bytes=<have>- and appends the 206", async () => {
    const vars = env();
    hub.cutOnce.set(bigSha, 1_200_000);
    const before = hub.requests.length;
    const progress: DownloadProgress[] = [];
    const file = await downloadHubFile(ref(), { env: vars, retryDelayMs: 0, onProgress: (p) => progress.push(p) });
    expect(sha256(readFileSync(file.localPath))).toBe(bigSha);
    const cdn = hub.requests.slice(before).filter((r) => r.server === "cdn");
    expect(cdn).toHaveLength(2);
    expect(cdn[0]).toMatchObject({ status: 200 });
    expect(cdn[0]!.range).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(cdn[1]!.range ?? "")?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(1_200_000);
    expect(cdn[1]!.status).toBe(206);
    // The second try starts its progress where the first stopped, and ends at the total.
    expect(progress.some((p) => p.done === resumedFrom)).toBe(true);
    expect(progress.at(-1)!.done).toBe(big.byteLength);
  });

  it("downloads a file once when two callers want it at the same time: the second waits, then uses the first's", async () => {
    const vars = env();
    const cdnBefore = hub.cdnRequests().length;
    const waiting: DownloadProgress[] = [];
    const onProgress = (p: DownloadProgress) => p.waitingForPid !== undefined && waiting.push(p);
    const both = await Promise.all([downloadHubFile(ref(), { env: vars, onProgress }), downloadHubFile(ref(), { env: vars, onProgress })]);
    expect(hub.cdnRequests().length).toBe(cdnBefore + 1);
    // Whichever took the lock downloaded; the other waited for it.
    const [first, second] = [...both].sort((a, b) => Number(a.fromCache) - Number(b.fromCache)) as [HubFile, HubFile];
    expect(first).toMatchObject({ fromCache: false, sha256: bigSha });
    expect(second).toMatchObject({ fromCache: true, sha256: bigSha, localPath: first.localPath });
    expect(waiting).toEqual([{ repo: REPO, path: ref().path, done: 0, waitingForPid: process.pid }]);
    expect(existsSync(`${first.localPath}.lock`)).toBe(false);
  });

  it("continues a .part file left by an earlier run, and starts over when that part turns out stale", async () => {
    const vars = env();
    const paths = hubCachePaths(join(vars.KITT_CACHE_DIR!, "datasets", "hub"), ref());
    mkdirSync(dirname(paths.part), { recursive: true });
    writeFileSync(paths.part, big.subarray(0, 1_000_000));
    let before = hub.requests.length;
    const file = await downloadHubFile(ref(), { env: vars, retryDelayMs: 0 });
    expect(sha256(readFileSync(file.localPath))).toBe(bigSha);
    expect(hub.requests.slice(before).filter((r) => r.server === "cdn").map((r) => [r.range, r.status])).toEqual([["bytes=1000000-", 206]]);

    // A part from other bytes (say, an older version of the file): the result does not verify, so it is thrown away.
    const other = env();
    const otherPaths = hubCachePaths(join(other.KITT_CACHE_DIR!, "datasets", "hub"), ref());
    mkdirSync(dirname(otherPaths.part), { recursive: true });
    writeFileSync(otherPaths.part, randomBytes(1_000_000));
    before = hub.requests.length;
    const fresh = await downloadHubFile(ref(), { env: other, retryDelayMs: 0 });
    expect(sha256(readFileSync(fresh.localPath))).toBe(bigSha);
    expect(hub.requests.slice(before).filter((r) => r.server === "cdn").map((r) => [r.range, r.status])).toEqual([
      ["bytes=1000000-", 206],
      [undefined, 200],
    ]);
  });

  it("restarts from byte 0 when the server answers a range request with 200", async () => {
    const vars = env();
    hub.cutOnce.set(bigSha, 500_000);
    hub.ignoreRange = true;
    try {
      const before = hub.requests.length;
      const file = await downloadHubFile(ref(), { env: vars, retryDelayMs: 0 });
      expect(sha256(readFileSync(file.localPath))).toBe(bigSha);
      expect(statSync(file.localPath).size).toBe(big.byteLength);
      const cdn = hub.requests.slice(before).filter((r) => r.server === "cdn");
      expect(cdn.map((r) => r.status)).toEqual([200, 200]);
      expect(cdn[1]!.range).toMatch(/^bytes=\d+-$/);
    } finally {
      hub.ignoreRange = false;
    }
  });

  it("retries bytes that do not match the checksum, and gives up with a clear message when they never do", async () => {
    hub.corruptOnce.add(bigSha);
    const file = await downloadHubFile(ref(), { env: env(), retryDelayMs: 0 });
    expect(sha256(readFileSync(file.localPath))).toBe(bigSha);

    hub.corrupt.add(bigSha);
    try {
      const vars = env();
      const error = await failure(downloadHubFile(ref(), { env: vars, retryDelayMs: 0, attempts: 2 }));
      expect(error.code).toBe("DOWNLOAD_FAILED");
      expect(error.message).toMatch(new RegExp(`do not match the Hub's checksum \\(expected sha256 ${bigSha}, got [0-9a-f]{64}\\) \\(tried 2 times\\)`));
      const paths = hubCachePaths(join(vars.KITT_CACHE_DIR!, "datasets", "hub"), ref());
      expect(existsSync(paths.file) || existsSync(paths.part) || existsSync(paths.sidecar)).toBe(false);
    } finally {
      hub.corrupt.delete(bigSha);
    }
  });

  it("verifies a plain git file (relative 307, git blob sha1 ETag)", async () => {
    const before = hub.requests.length;
    const file = await downloadHubFile(ref("README.json"), { env: env() });
    expect(readFileSync(file.localPath, "utf8")).toBe(small.toString());
    expect(file.sha256).toBe(sha256(small));
    expect(hub.requests.slice(before).map((r) => [r.server, r.status])).toEqual([
      ["hub", 307],
      ["hub", 200],
    ]);
  });

  it("re-checks a branch against the Hub's current checksum and downloads the file again when it changed", async () => {
    const vars = env();
    const path = "branch/file.bin";
    hub.setFile({ repo: REPO, path, bytes: Buffer.from("first version") });
    const first = await downloadHubFile(ref(path, "main"), { env: vars });
    const unchanged = await downloadHubFile(ref(path, "main"), { env: vars });
    expect(unchanged.fromCache).toBe(true);
    expect(hub.hubRequests().at(-1)!.method).toBe("HEAD");
    hub.setFile({ repo: REPO, path, bytes: Buffer.from("second version") });
    const changed = await downloadHubFile(ref(path, "main"), { env: vars });
    expect(changed.fromCache).toBe(false);
    expect(readFileSync(first.localPath, "utf8")).toBe("second version");
  });
});

describe("HF_HUB_OFFLINE", () => {
  it("reads the cache without any request, and fails clearly when the file is not cached", async () => {
    const vars = env();
    await downloadHubFile(ref(), { env: vars });
    const before = hub.requests.length;
    const cached = await downloadHubFile(ref(), { env: { ...vars, HF_HUB_OFFLINE: "1" } });
    expect(cached.fromCache).toBe(true);
    // A branch too: offline, nothing is asked.
    const error = await failure(downloadHubFile(ref("README.json"), { env: { ...vars, HF_HUB_OFFLINE: "true" } }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toMatch(/^HF_HUB_OFFLINE is set and org\/data README\.json @ [0-9a-f]{40} is not in kitt's cache \(.+README\.json\): run once with network access/);
    expect(hub.requests.length).toBe(before);
  });

  it("refuses a corrupted cached file instead of using it", async () => {
    const vars = env();
    const { localPath } = await downloadHubFile(ref(), { env: vars });
    writeFileSync(localPath, "garbage");
    const error = await failure(downloadHubFile(ref(), { env: { ...vars, HF_HUB_OFFLINE: "1" } }));
    expect(error.message).toMatch(/is corrupt \(its sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}\) and HF_HUB_OFFLINE is set/);
  });
});

describe("the Hub's error answers", () => {
  it("401 for a bad token says the token is wrong", async () => {
    const error = await failure(downloadHubFile(ref(), { env: env({ HF_TOKEN: "hf_wrong" }) }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(/^the Hub rejected the token from HF_TOKEN \(401 Invalid credentials in Authorization header\): it is wrong, expired or revoked/);
    expect(error.message).toContain(`${hub.url}/settings/tokens`);
  });

  it("401 without a token (a missing or private repo) asks for a token", async () => {
    const error = await failure(downloadHubFile(ref("x.parquet", "main", "org/nope"), { env: env() }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(/^the Hub wants a token for org\/nope \(401 Invalid username or password\.\): the data set is private or gated, or does not exist/);
  });

  it("gated data sets: 401 without a token, 403 when the token's account has not accepted the terms", async () => {
    const anonymous = await failure(downloadHubFile(ref("data.parquet", "main", "org/gated"), { env: env() }));
    expect(anonymous.message).toMatch(/^org\/gated is a gated data set and no Hub token is set \(401 GatedRepo: Access to dataset org\/gated is restricted/);
    const refused = await failure(downloadHubFile(ref("data.parquet", "main", "org/gated"), { env: env({ HF_TOKEN: "hf_other" }) }));
    expect(refused.code).toBe("CONFIG_INVALID");
    expect(refused.message).toMatch(/^org\/gated is a gated data set \(403 GatedRepo: .*\): accept its terms at http:\/\/127\.0\.0\.1:\d+\/datasets\/org\/gated with the account the token from HF_TOKEN belongs to$/);
    const granted = await downloadHubFile(ref("data.parquet", "main", "org/gated"), { env: env({ HF_TOKEN: TOKEN }) });
    expect(readFileSync(granted.localPath, "utf8")).toBe(small.toString());
  });

  it("404s: no such revision, no such file, no such data set", async () => {
    const revision = await failure(downloadHubFile(ref(undefined, "v9"), { env: env() }));
    expect(revision.code).toBe("NOT_FOUND");
    expect(revision.message).toBe("org/data has no revision v9 (404 RevisionNotFound: Invalid rev id: v9): check the test's `revision`");
    const entry = await failure(downloadHubFile(ref("all/missing.parquet"), { env: env() }));
    expect(entry.message).toBe(`org/data has no file all/missing.parquet at revision ${EMULATED_COMMIT} (404 EntryNotFound: Entry not found)`);
    const repo = await failure(downloadHubFile(ref("x.parquet", "main", "org/nope"), { env: env({ HF_TOKEN: TOKEN }) }));
    expect(repo.message).toBe(`there is no data set org/nope on ${hub.url} (404 RepoNotFound: Repository not found)`);
  });

  it("an unreachable endpoint is retried, then reported with the address", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(downloadHubFile(ref(), { env: env({ HF_ENDPOINT: endpoint }), retryDelayMs: 0, attempts: 2 }));
    expect(error.code).toBe("DOWNLOAD_FAILED");
    expect(error.message).toBe(`cannot download org/data main/test-00000-of-00001.parquet @ ${EMULATED_COMMIT} from ${endpoint}: cannot reach ${endpoint} (ECONNREFUSED) (tried 2 times)`);
  });

  it("refuses ids and paths that would leave the cache folder", async () => {
    await expect(downloadHubFile({ repo: "../x", revision: "main", path: "a" }, { env: env() })).rejects.toThrow(/not a Hub data set id/);
    await expect(downloadHubFile({ repo: "a/b", revision: "main", path: "../../etc/passwd" }, { env: env() })).rejects.toThrow(/not a file path inside a\/b/);
  });
});
