/**
 * What the agent owes the server, on disk and in order: job event batches, job finishes, results
 * uploads and command results. Each item is one file, `<12-digit sequence>.json`, written to a
 * temporary name, flushed and renamed, so a crash leaves whole items only; a results archive sits
 * beside its item under `blobs/`. An item is removed only once the server took it, so after a
 * crash or an outage some may be sent twice: the server takes events by their `seq` and uploads by
 * their run id, so a second copy changes nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { describeError } from "../errors.js";
import { CommandResultSchema, JobEventBatchSchema, JobFinishSchema } from "../server/agents/agent-protocol.js";

export const SpoolItemSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("events"), job_id: z.string(), batch: JobEventBatchSchema }),
  z.strictObject({ kind: z.literal("finish"), job_id: z.string(), finish: JobFinishSchema }),
  /** `archive`: a file name under the spool's `blobs/`. */
  z.strictObject({ kind: z.literal("results"), job_id: z.string(), run_id: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), archive: z.string().regex(/^[\w.-]+$/) }),
  z.strictObject({ kind: z.literal("command_result"), command_id: z.string(), result: CommandResultSchema }),
]);
export type SpoolItem = z.input<typeof SpoolItemSchema>;
export type SpooledItem = z.output<typeof SpoolItemSchema> & { name: string };

/** What became of an item handed to the server: taken (remove it), to try again later (stop here), or never to be taken (remove it). */
export type Delivery = "taken" | "later" | "refused";

const ITEM = /^(\d{12})\.json$/;

export class Spool {
  private next = 1;
  /** Appends one at a time, so sequence numbers follow the order of `append` calls. */
  private appending: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string) {}

  /** Opens (or creates) the spool in `dir`, dropping what a crash left half-written. */
  static async open(dir: string): Promise<Spool> {
    await mkdir(join(dir, "blobs"), { recursive: true, mode: 0o700 });
    const spool = new Spool(dir);
    for (const name of await readdir(dir)) if (name.endsWith(".tmp")) await rm(join(dir, name), { force: true });
    const last = (await spool.names()).at(-1);
    spool.next = last === undefined ? 1 : Number(ITEM.exec(last)![1]) + 1;
    return spool;
  }

  /** How many items wait in the spool at `dir`, read without opening it (the daemon may be writing). */
  static async pendingCount(dir: string): Promise<number> {
    return (await readdir(dir).catch(() => [] as string[])).filter((name) => ITEM.test(name)).length;
  }

  get blobsDir(): string {
    return join(this.dir, "blobs");
  }

  /** Writes `item` after every item appended before it; resolves once it is on disk. */
  append(item: SpoolItem): Promise<string> {
    const parsed = SpoolItemSchema.parse(item);
    const written = this.appending.then(async () => {
      const name = `${String(this.next++).padStart(12, "0")}.json`;
      await writeDurably(join(this.dir, name), JSON.stringify(parsed));
      return name;
    });
    this.appending = written.catch(() => undefined);
    return written;
  }

  /** The items, oldest first; an unreadable one (a damaged disk) is set aside as `.bad` and skipped. */
  async items(): Promise<SpooledItem[]> {
    const items: SpooledItem[] = [];
    for (const name of await this.names()) {
      const path = join(this.dir, name);
      try {
        items.push({ ...SpoolItemSchema.parse(JSON.parse(await readFile(path, "utf8"))), name });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        process.stderr.write(`kitt agent: setting aside the unreadable spool item ${path}: ${describeError(error)}\n`);
        await rename(path, `${path}.bad`).catch(() => undefined);
      }
    }
    return items;
  }

  /** Removes an item the server took, with its archive. */
  async remove(item: SpooledItem): Promise<void> {
    await rm(join(this.dir, item.name), { force: true });
    if (item.kind === "results") await rm(join(this.blobsDir, item.archive), { force: true });
  }

  /**
   * Hands the items to `deliver` oldest first, removing each it took or refused, stopping at the
   * first it wants later. Returns how many are left.
   */
  async flush(deliver: (item: SpooledItem) => Promise<Delivery>): Promise<number> {
    const items = await this.items();
    for (const [index, item] of items.entries()) {
      if ((await deliver(item)) === "later") return items.length - index;
      await this.remove(item);
    }
    return 0;
  }

  /** A fresh blob name for an archive about to be written. */
  blobName(suffix: string): string {
    return `${Date.now()}-${randomBytes(4).toString("hex")}${suffix}`;
  }

  private async names(): Promise<string[]> {
    return (await readdir(this.dir)).filter((name) => ITEM.test(name)).sort();
  }
}

/** Temporary file, flushed, renamed into place, the directory flushed: after a crash the file is whole or absent. */
async function writeDurably(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, text, { mode: 0o600, flush: true });
  await rename(temporary, path);
  const directory = await open(dirname(path), "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
