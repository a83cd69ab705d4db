/** The `kitt storage` command functions, on a temp SQLite database. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { storageInitCommand, storageStatsCommand } from "../../src/cli/commands/storage-admin.js";
import { storageDeleteCommand } from "../../src/cli/commands/storage-delete.js";
import { storageListCommand, storageShowCommand } from "../../src/cli/commands/storage-list.js";
import { parseSince } from "../../src/store/since.js";
import { storageExportCommand, storageImportCommand } from "../../src/cli/commands/storage-transfer.js";

const fixtures = fileURLToPath(new URL("../fixtures/store/", import.meta.url));
const dir = await mkdtemp(join(tmpdir(), "kitt-storage-cli-"));
const db = join(dir, "kitt.db");
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function stdoutOf(work: () => Promise<void>): Promise<string> {
  let out = "";
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  await work();
  vi.restoreAllMocks();
  return out;
}

describe("kitt storage commands", () => {
  it("init, import, list, show, export, stats and delete", async () => {
    await stdoutOf(() => storageInitCommand({ db }));
    const imported = await stdoutOf(() => storageImportCommand(fixtures, { db }));
    expect(imported.trim().split("\n")).toHaveLength(4);

    const listed = JSON.parse(await stdoutOf(() => storageListCommand({ db, engine: "llama_cpp", json: true }))) as { id: string; kind: string }[];
    expect(listed.map((run) => run.kind).sort()).toEqual(["run", "serve"]);
    const run = listed.find((r) => r.kind === "run")!;

    expect(await stdoutOf(() => storageShowCommand(run.id.slice(0, 8), { db }))).toContain("avg_tps");
    await stdoutOf(() => storageExportCommand(run.id, { db, output: join(dir, "out") }));
    expect(await readFile(join(dir, "out/metrics.json"), "utf8")).toBe(await readFile(join(fixtures, "kitt-run/metrics.json"), "utf8"));

    await expect(storageDeleteCommand(run.id, { db })).rejects.toThrow("--yes");
    await stdoutOf(() => storageDeleteCommand(run.id, { db, yes: true }));
    const stats = JSON.parse(await stdoutOf(() => storageStatsCommand({ db, json: true }))) as { runs: number };
    expect(stats.runs).toBe(3);
  });

  it("import is idempotent: a second import of the same folders says already stored and adds nothing", async () => {
    const again = join(dir, "again.db");
    const first = await stdoutOf(() => storageImportCommand(fixtures, { db: again }));
    const second = await stdoutOf(() => storageImportCommand(fixtures, { db: again }));
    expect(second.trim().split("\n")).toEqual(first.trim().split("\n").map((line) => `${line}  (already stored)`));
    const stats = JSON.parse(await stdoutOf(() => storageStatsCommand({ db: again, json: true }))) as { runs: number };
    expect(stats.runs).toBe(4);
  });

  it("reads --since as a date or an age", () => {
    expect(parseSince("2026-01-31")).toBe(Date.UTC(2026, 0, 31));
    expect(parseSince("7d", 10 * 86_400_000)).toBe(3 * 86_400_000);
    expect(() => parseSince("last week")).toThrow("--since");
  });
});
