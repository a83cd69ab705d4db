/**
 * `GET /api/v1/runs/{id}/export`: the run's results folder as a `.tar.gz` that the system's own
 * `tar` unpacks to the same files; symlinks (in or out of the folder) are left out; an unknown
 * run, a run imported from a single file and a run whose folder is gone are clear 404s.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { runWithItems, startTestServer, storeFixtures, type TestServer } from "./support.js";

const run = promisify(execFile);
const TOKEN = "kitt-token-for-export-tests";
const OUTSIDE_TEXT = "outside-the-results-folder-7c1e";

/** Every regular file under `dir` (symlinks not followed), relative path → content. */
async function filesUnder(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] = await readFile(path, "utf8");
  }
  return files;
}

describe("exporting a run's results folder", () => {
  let home: string;
  let store: ResultsStore;
  let web: TestServer;
  let folder: string;
  let runId: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "kitt-web-export-"));
    folder = await runWithItems();
    await mkdir(join(folder, "logs"));
    await writeFile(join(folder, "logs", "engine.log"), "line one\nline two\n");
    await writeFile(join(home, "outside.txt"), OUTSIDE_TEXT);
    await symlink(join(home, "outside.txt"), join(folder, "leak.txt"));
    await symlink(home, join(folder, "leak-dir"));
    await symlink("metrics.json", join(folder, "inside-link.json"));
    store = await openStore({ url: join(home, "kitt.db") });
    runId = (await store.importPath(folder))[0]!.id;
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env: { KITT_HOME: home } });
  });
  afterAll(async () => {
    await web?.server.close();
    await store?.close();
    await rm(home, { recursive: true, force: true });
    if (folder) await rm(join(folder, ".."), { recursive: true, force: true });
  });

  it("unpacks to the same files under one top folder, symlinks left out", async () => {
    const response = await web.fetch(`/api/v1/runs/${runId.slice(0, 10)}/export`, { token: TOKEN });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/gzip");
    const name = `kitt-run-${runId.slice(0, 8)}`;
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${name}.tar.gz"`);
    const archive = Buffer.from(await response.arrayBuffer());
    expect(gunzipSync(archive).toString("latin1")).not.toContain(OUTSIDE_TEXT);

    const out = await mkdtemp(join(tmpdir(), "kitt-web-export-out-"));
    try {
      await writeFile(join(out, "run.tar.gz"), archive);
      const listing = (await run("tar", ["-tzf", join(out, "run.tar.gz")])).stdout.trim().split("\n");
      for (const entry of listing) expect(entry.startsWith(`${name}/`), entry).toBe(true);
      expect(listing.some((entry) => entry.includes("leak") || entry.includes("inside-link"))).toBe(false);
      await mkdir(join(out, "x"));
      await run("tar", ["-xzf", join(out, "run.tar.gz"), "-C", join(out, "x")]);
      const unpacked = await filesUnder(join(out, "x", name));
      expect(unpacked).toEqual(await filesUnder(folder));
      expect(Object.keys(unpacked).sort()).toEqual(["config.json", "hardware.json", "logs/engine.log", "metrics.json", "throughput-run1.items.jsonl"]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("an unknown run, a run from a single file and a run whose folder is gone are clear 404s", async () => {
    const unknown = await web.fetch("/api/v1/runs/ffffffffffff/export", { token: TOKEN });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/^no run ffffffffffff in /);

    const fromFile = (await store.importPath(join(storeFixtures, "vllm")))[0]!.id;
    const noFolder = await web.fetch(`/api/v1/runs/${fromFile}/export`, { token: TOKEN });
    expect(noFolder.status).toBe(404);
    expect(((await noFolder.json()) as { error: string }).error).toBe(
      `run ${fromFile} has no results folder on this host (${join(storeFixtures, "vllm", "vllm-0.8.4-qps8-Llama-3.1-8B-Instruct-20250314-103000.json")} is not a folder here); 'kitt storage export ${fromFile.slice(0, 8)}' writes its stored files`,
    );

    const gone = join(home, "gone-run");
    await cp(join(storeFixtures, "kitt-serve"), gone, { recursive: true });
    const goneId = (await store.importPath(gone))[0]!.id;
    await rm(gone, { recursive: true });
    const goneResponse = await web.fetch(`/api/v1/runs/${goneId}/export`, { token: TOKEN });
    expect(goneResponse.status).toBe(404);
    expect(((await goneResponse.json()) as { error: string }).error).toContain(`(${gone} is not a folder here)`);

    // An id that is a path never names a folder.
    expect((await web.fetch(`/api/v1/runs/${encodeURIComponent(folder)}/export`, { token: TOKEN })).status).toBe(400);
    expect((await web.fetch(`/api/v1/runs/${runId}/export`)).status).toBe(401);
  });
});
