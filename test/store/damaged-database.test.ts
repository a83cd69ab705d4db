/**
 * A SQLite file whose header reads but whose pages are damaged: reported like a file that is
 * not a database at all (STORAGE_FAILED, exit 18) by whatever statement finds the damage, and
 * never called up to date by `kitt storage migrate`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { storageMigrateCommand } from "../../src/cli/commands/storage-admin.js";
import { openStore } from "../../src/store/results-store.js";

const fixtures = fileURLToPath(new URL("../fixtures/store/", import.meta.url));
const work = await mkdtemp(join(tmpdir(), "kitt-damaged-"));
afterAll(() => rm(work, { recursive: true, force: true }));

describe("a damaged SQLite file", () => {
  /** A database with runs in it, then every page after the first two overwritten: the header still reads. */
  async function damagedDatabase(): Promise<string> {
    const path = join(work, `damaged-${Date.now()}.db`);
    {
      await using store = await openStore({ url: path });
      await store.importPath(fixtures);
    }
    const bytes = await readFile(path);
    const pageSize = bytes.readUInt16BE(16);
    for (let i = pageSize * 2; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    await writeFile(path, bytes);
    return path;
  }

  it("is reported like a garbage file by any command, and storage migrate never calls it up to date", async () => {
    const path = await damagedDatabase();
    const expected = `${path} is not a kitt database or is corrupt; kitt left it untouched (move it aside to start a new one)`;
    const reading = async () => {
      await using store = await openStore({ url: path });
      await store.listRuns();
      await store.stats();
    };
    await expect(reading()).rejects.toMatchObject({ code: "STORAGE_FAILED", message: expected });
    await expect(storageMigrateCommand({ db: path })).rejects.toMatchObject({ code: "STORAGE_FAILED", message: expected });
  });
});
