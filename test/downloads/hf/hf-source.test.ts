/**
 * The Hugging Face model source against the local Hub emulator (through HF_ENDPOINT): the
 * revision resolved to one commit, the listing with its checksums, ranged reads, the token rule,
 * and the Hub's refusals as one-line errors with their codes.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hubModelSource } from "../../../src/downloads/hf/hf-source.js";
import type { DownloadSource, RemoteFile } from "../../../src/downloads/source.js";
import { KittError } from "../../../src/errors.js";
import { EMULATED_COMMIT, HubEmulator, type TreeEntry } from "../../support/hub-emulator.js";

const TOKEN = "hf_granted";
const OTHER = "hf_not_granted";
const MODEL = "org/tiny-model";
const weights = randomBytes(1_500_000);
const shard = randomBytes(40_000);
const config = Buffer.from('{"model_type": "llama"}\n');
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/hf/${name}`, import.meta.url), "utf8");
const recordedTree = JSON.parse(fixture("bert-base-uncased.tree.json")) as TreeEntry[];
const recordedRefusals = JSON.parse(fixture("gated-refusals.json")) as Record<"anonymous" | "notGranted", { message: string }>;
let hub: HubEmulator;
const signal = new AbortController().signal;

beforeAll(async () => {
  hub = await HubEmulator.start({
    tokens: [TOKEN, OTHER],
    gated: { "org/gated-model": [TOKEN] },
    private: { "org/private-model": [TOKEN] },
    treePageSize: 2,
  });
  hub.setFile({ kind: "model", repo: MODEL, path: "model.safetensors", bytes: weights, xet: true });
  hub.setFile({ kind: "model", repo: MODEL, path: "config.json", bytes: config, lfs: false });
  hub.setFile({ kind: "model", repo: MODEL, path: "onnx/shards/part-1.bin", bytes: shard });
  hub.setFile({ kind: "model", repo: MODEL, path: "onnx/README.md", bytes: Buffer.from("# onnx\n"), lfs: false });
  hub.setFile({ kind: "model", repo: "org/gated-model", path: "weights.bin", bytes: shard });
  hub.setFile({ kind: "model", repo: "org/private-model", path: "weights.bin", bytes: shard });
  hub.recordedTrees.set("google-bert/bert-base-uncased", recordedTree);
});

afterAll(async () => {
  await hub?.close();
});

/** The Hub settings as a fresh environment gives them (an empty HF_HOME: no saved token is picked up). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HF_HOME: mkdtempSync(join(tmpdir(), "kitt-hf-home-")), HF_ENDPOINT: hub.url, ...extra };
}

async function source(location: string, vars = env(), revision?: string): Promise<DownloadSource> {
  return hubModelSource(location, { env: vars, ...(revision === undefined ? {} : { revision }) });
}

async function readAll(src: DownloadSource, file: RemoteFile, start = 0, end = file.size): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await src.read(file, start, end, signal)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function failure(promise: Promise<unknown>): Promise<KittError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KittError);
  expect((error as KittError).message).not.toContain("\n");
  return error as KittError;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const gitBlobSha1 = (bytes: Uint8Array) => createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");

describe("listing", () => {
  it("resolves the branch to its commit, then lists every file (nested ones too) at that commit with the Hub's checksums", async () => {
    const before = hub.requests.length;
    const src = await source(`${MODEL}`);
    expect(src.display).toBe(`hf://${MODEL}@main`);
    const files = await src.list(signal);
    const commitUrl = (path: string) => `${hub.url}/${MODEL}/resolve/${EMULATED_COMMIT}/${path}`;
    expect(files).toEqual([
      { path: "config.json", size: config.byteLength, digest: { algorithm: "git-blob-sha1", hex: gitBlobSha1(config) }, locator: commitUrl("config.json") },
      { path: "model.safetensors", size: weights.byteLength, digest: { algorithm: "sha256", hex: sha256(weights) }, locator: commitUrl("model.safetensors") },
      { path: "onnx/README.md", size: 7, digest: { algorithm: "git-blob-sha1", hex: gitBlobSha1(Buffer.from("# onnx\n")) }, locator: commitUrl("onnx/README.md") },
      { path: "onnx/shards/part-1.bin", size: shard.byteLength, digest: { algorithm: "sha256", hex: sha256(shard) }, locator: commitUrl("onnx/shards/part-1.bin") },
    ]);
    const seen = hub.requests.slice(before).map((r) => r.path);
    expect(seen[0]).toMatch(new RegExp(`^/api/models/${MODEL}/revision/main\\?.*expand=sha`));
    // Six entries (two folders) two to a page: three pages, each asked for at the commit, not at `main`.
    const trees = seen.slice(1);
    expect(trees).toHaveLength(3);
    for (const path of trees) expect(path).toMatch(new RegExp(`^/api/models/${MODEL}/tree/${EMULATED_COMMIT}\\?recursive=true`));
    expect(trees.slice(1).every((path) => path.includes("cursor="))).toBe(true);
  });

  it("reads a recorded real tree listing: sha256 from `lfs.oid` for LFS files, the git blob sha1 from `oid` otherwise", async () => {
    const files = await (await source("google-bert/bert-base-uncased")).list(signal);
    expect(files.map((file) => [file.path, file.size, file.digest])).toEqual([
      [".gitattributes", 345, { algorithm: "git-blob-sha1", hex: "dc08351d4dc0732d9c8af04070ced089b201ce2f" }],
      ["config.json", 313, { algorithm: "git-blob-sha1", hex: "fca794a5f07ff8f963fe8b61e3694b0fb7f955df" }],
      ["pytorch_model.bin", 440473133, { algorithm: "sha256", hex: "097417381d6c7230bd9e3557456d726de6e83245ec8b24f529f60198a67b203a" }],
      ["tf_model.h5", 536063208, { algorithm: "sha256", hex: "a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2" }],
      ["vocab.txt", 231508, { algorithm: "git-blob-sha1", hex: "fb140275c155a9c7c5a3b3e0e77a9e839594a938" }],
    ]);
  });

  it("the emulator's tree entries have the recorded answer's fields", async () => {
    const response = await fetch(`${hub.url}/api/models/${MODEL}/tree/main?recursive=false&expand=false`);
    const entries = (await response.json()) as TreeEntry[];
    const keys = (entry: object) => Object.keys(entry).sort();
    const lfs = entries.find((entry) => entry.path === "model.safetensors")!;
    expect(keys(lfs).filter((key) => key !== "xetHash")).toEqual(keys(recordedTree.find((entry) => entry.lfs)!));
    expect(keys(lfs.lfs!)).toEqual(keys(recordedTree.find((entry) => entry.lfs)!.lfs!));
    expect(keys(entries.find((entry) => entry.path === "config.json")!)).toEqual(keys(recordedTree[0]!));
    // An LFS pointer for a 7-digit size is 132 bytes (the recorded 9-digit ones are 134).
    expect(lfs.lfs!.pointerSize).toBe(132);
  });

  it("takes the revision from --revision, else from @revision, else from HF_REVISION", async () => {
    expect((await source(`${MODEL}@${EMULATED_COMMIT}`)).display).toBe(`hf://${MODEL}@${EMULATED_COMMIT}`);
    expect((await source(MODEL, env({ HF_REVISION: "v2" }))).display).toBe(`hf://${MODEL}@v2`);
    expect((await source(`${MODEL}@v1`, env({ HF_REVISION: "v2" }))).display).toBe(`hf://${MODEL}@v1`);
    expect((await source(`${MODEL}@v1`, env(), EMULATED_COMMIT)).display).toBe(`hf://${MODEL}@${EMULATED_COMMIT}`);
    const pinned = await (await source(`${MODEL}@${EMULATED_COMMIT}`)).list(signal);
    expect(pinned).toHaveLength(4);
  });

  it("refuses locations that are no Hub model id", async () => {
    for (const location of ["../etc", "org/../x", "org/repo/extra", "org/repo@", "org/repo@a b", "org/repo@../main", ""]) {
      const error = await failure(source(location));
      expect(error.code).toBe("USAGE");
    }
  });

  it("HF_HUB_OFFLINE: no request, a clear error", async () => {
    const before = hub.requests.length;
    const error = await failure((await source(MODEL, env({ HF_HUB_OFFLINE: "1" }))).list(signal));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toBe(`HF_HUB_OFFLINE is set, so kitt may not ask ${hub.url} for the files of hf://${MODEL}@main: unset HF_HUB_OFFLINE to download`);
    expect(hub.requests.length).toBe(before);
  });
});

describe("ranged reads", () => {
  it("reads any byte range through the CDN redirect, with the token sent to the Hub only", async () => {
    const src = await source(MODEL, env({ HF_TOKEN: TOKEN }));
    const files = await src.list(signal);
    const big = files.find((file) => file.path === "model.safetensors")!;
    const before = hub.requests.length;
    expect(sha256(await readAll(src, big, 100_000, 700_000))).toBe(sha256(weights.subarray(100_000, 700_000)));
    const seen = hub.requests.slice(before);
    expect(seen.map((r) => [r.server, r.status, r.range])).toEqual([
      ["hub", 302, "bytes=100000-699999"],
      ["cdn", 206, "bytes=100000-699999"],
    ]);
    expect(seen[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[1]!.authorization).toBeUndefined();
    // The whole file, in pieces, matches the listed sha256.
    const whole = Buffer.concat([await readAll(src, big, 0, 1000), await readAll(src, big, 1000, big.size)]);
    expect(sha256(whole)).toBe((big.digest as { hex: string }).hex);
  });

  it("reads a plain git file through the Hub's relative redirect and matches the listed git blob sha1", async () => {
    const src = await source(MODEL);
    const file = (await src.list(signal)).find((entry) => entry.path === "onnx/README.md")!;
    const bytes = await readAll(src, file);
    expect(gitBlobSha1(bytes)).toBe((file.digest as { hex: string }).hex);
    expect((await readAll(src, file, 2, 6)).toString()).toBe("onnx");
  });

  it("an empty range asks nothing", async () => {
    const src = await source(MODEL);
    const file = (await src.list(signal))[0]!;
    const before = hub.requests.length;
    expect(await readAll(src, file, 5, 5)).toHaveLength(0);
    expect(hub.requests.length).toBe(before);
  });

  it("refuses bytes whose checksum at the Hub is no longer the listed one", async () => {
    const repo = "org/changing";
    hub.setFile({ kind: "model", repo, path: "w.bin", bytes: Buffer.from("first") });
    const src = await source(repo);
    const [file] = await src.list(signal);
    hub.setFile({ kind: "model", repo, path: "w.bin", bytes: Buffer.from("other") });
    const error = await failure(src.read(file!, 0, file!.size, signal));
    expect(error.code).toBe("DOWNLOAD_FAILED");
    expect(error.message).toMatch(/^the Hub's checksum for w\.bin at hf:\/\/org\/changing@main \([0-9a-f]{64}\) is not the one it listed \([0-9a-f]{64}\); try again$/);
  });

  it("a server that ignores the range is a transient failure, not a wrong file", async () => {
    const src = await source(MODEL);
    const big = (await src.list(signal)).find((file) => file.path === "model.safetensors")!;
    hub.ignoreRange = true;
    try {
      const error = await src.read(big, 10, 20, signal).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(KittError);
      expect((error as Error).message).toMatch(/^asked for bytes 10-19 of model\.safetensors, got 200/);
    } finally {
      hub.ignoreRange = false;
    }
  });
});

describe("the Hub's refusals", () => {
  it("a gated model without a token: DOWNLOAD_AUTH_FAILED before anything is downloaded, saying what to do", async () => {
    const error = await failure((await source("org/gated-model")).list(signal));
    expect(error.code).toBe("DOWNLOAD_AUTH_FAILED");
    expect(error.message).toBe(
      `org/gated-model is a gated model and no Hub token is set (401 GatedRepo: Access to model org/gated-model is restricted. You must have access to it and be authenticated to access it. Please log in.): accept its terms at ${hub.url}/org/gated-model, then create a read token at ${hub.url}/settings/tokens and set HF_TOKEN to it (or save it with \`hf auth login\`)`,
    );
    // The emulator's refusal reads as the recorded one does.
    expect(recordedRefusals.anonymous.message.replaceAll("google/embeddinggemma-300m", "org/gated-model")).toBe(
      "Access to model org/gated-model is restricted. You must have access to it and be authenticated to access it. Please log in.",
    );
    expect(hub.cdnRequests().filter((r) => r.path.includes(sha256(shard)))).toHaveLength(0);
  });

  it("a gated model with a token whose account was not granted access, and with one that was", async () => {
    const refused = await failure((await source("org/gated-model", env({ HF_TOKEN: OTHER }))).list(signal));
    expect(refused.code).toBe("DOWNLOAD_AUTH_FAILED");
    const says = `Access to model org/gated-model is restricted and you are not in the authorized list. Visit ${hub.url}/org/gated-model to ask for access.`;
    expect(refused.message).toBe(`org/gated-model is a gated model (403 GatedRepo: ${says}): accept its terms at ${hub.url}/org/gated-model with the account the token from HF_TOKEN belongs to`);
    expect(recordedRefusals.notGranted.message.replaceAll("https://huggingface.co", hub.url).replaceAll("mistralai/Mistral-7B-Instruct-v0.3", "org/gated-model")).toBe(says);
    const granted = await (await source("org/gated-model", env({ HF_TOKEN: TOKEN }))).list(signal);
    expect(granted.map((file) => file.path)).toEqual(["weights.bin"]);
  });

  it("HF_AUTH_TOKEN is used when HF_TOKEN is not set, and named in messages", async () => {
    const files = await (await source("org/private-model", env({ HF_AUTH_TOKEN: TOKEN }))).list(signal);
    expect(files).toHaveLength(1);
    const refused = await failure((await source("org/gated-model", env({ HF_AUTH_TOKEN: OTHER }))).list(signal));
    expect(refused.message).toMatch(/with the account the token from HF_AUTH_TOKEN belongs to$/);
  });

  it("a wrong token, a private model without one, an unknown model, an unknown revision", async () => {
    const wrong = await failure((await source(MODEL, env({ HF_TOKEN: "hf_wrong" }))).list(signal));
    expect(wrong.code).toBe("DOWNLOAD_AUTH_FAILED");
    expect(wrong.message).toMatch(/^the Hub refused the token from HF_TOKEN \(401 Invalid credentials in Authorization header\): it is wrong, expired or revoked; create a read token at /);

    const anonymous = await failure((await source("org/private-model")).list(signal));
    expect(anonymous.code).toBe("DOWNLOAD_AUTH_FAILED");
    expect(anonymous.message).toMatch(/^the Hub wants a token for org\/private-model \(401 Invalid username or password\.\): the model is private or gated, or does not exist; check the name, or create a read token/);

    const unknown = await failure((await source("org/no-such-model", env({ HF_TOKEN: TOKEN }))).list(signal));
    expect(unknown.code).toBe("NOT_FOUND");
    expect(unknown.message).toBe(`there is no model org/no-such-model on ${hub.url} (404 RepoNotFound: Repository not found): check the name`);

    const revision = await failure((await source(`${MODEL}@v9`)).list(signal));
    expect(revision.code).toBe("NOT_FOUND");
    expect(revision.message).toBe(`${MODEL} has no revision v9 (404 RevisionNotFound: Invalid rev id: v9): check the @revision, --revision or HF_REVISION`);
  });

  it("a token that is no Hugging Face token is refused before any request", async () => {
    const before = hub.requests.length;
    const error = await failure((await source(MODEL, env({ HF_TOKEN: "not-a-token" }))).list(signal));
    expect(error.code).toBe("DOWNLOAD_AUTH_FAILED");
    expect(error.message).toBe(`the token from HF_TOKEN is not a Hugging Face access token (those start with hf_): create a read token at ${hub.url}/settings/tokens`);
    expect(hub.requests.length).toBe(before);
  });
});
