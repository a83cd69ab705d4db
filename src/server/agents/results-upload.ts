/**
 * An agent's results folder, uploaded as one `.tar.gz`: written to a temp folder while its size
 * is counted and its SHA-256 taken, then — digest matching — listed before anything is
 * extracted: only plain files and folders, relative paths that stay inside the folder, and a
 * bounded unpacked size. Only then is it extracted into that temp folder, which the caller
 * removes.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { HTTPException } from "hono/http-exception";
import { list, extract } from "tar";
import { folderRecord } from "../../store/folder-record.js";
import type { RunRecord } from "../../store/run-record.js";

/** How much bigger than the upload its unpacked files may be. */
const MAX_UNPACK_RATIO = 20;
const MAX_ENTRIES = 100_000;

export interface ReceivedResults extends AsyncDisposable {
  sha256: string;
  /** The results folder inside the temp folder. */
  folder: string;
  record: RunRecord;
}

export async function receiveResults(body: ReadableStream<Uint8Array> | null, expectedSha256: string, maxBytes: number): Promise<ReceivedResults> {
  if (body === null) throw new HTTPException(400, { message: "the upload has no body" });
  const work = await mkdtemp(join(tmpdir(), "kitt-results-upload-"));
  const remove = () => rm(work, { recursive: true, force: true });
  try {
    const archive = join(work, "results.tar.gz");
    const sha256 = await save(body, archive, maxBytes);
    if (sha256 !== expectedSha256) throw new HTTPException(400, { message: `the upload's SHA-256 is ${sha256}, not the ${expectedSha256} X-Kitt-Sha256 says` });
    const root = join(work, "results");
    await mkdir(root);
    await checkEntries(archive, maxBytes * MAX_UNPACK_RATIO);
    await extract({ file: archive, cwd: root, strict: true, preservePaths: false, noChmod: true, filter: (_path, entry) => "type" in entry && isPlain(entry) });
    const folder = await resultsFolder(root);
    const record = await folderRecord(folder).catch(() => undefined);
    if (!record) throw new HTTPException(400, { message: "the upload holds no kitt results folder (metrics.json or serve.json)" });
    return { sha256, folder, record, [Symbol.asyncDispose]: remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function save(body: ReadableStream<Uint8Array>, file: string, maxBytes: number): Promise<string> {
  const hash = createHash("sha256");
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) done(new HTTPException(413, { message: `the upload is over ${maxBytes} bytes` }));
      else {
        hash.update(chunk);
        done(null, chunk);
      }
    },
  });
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), count, createWriteStream(file, { mode: 0o600 }));
  return hash.digest("hex");
}

interface EntryFacts {
  type: string;
  path: string;
  size?: number;
}

function isPlain(entry: EntryFacts | { type: string }): boolean {
  return entry.type === "File" || entry.type === "OldFile" || entry.type === "Directory";
}

/** Refuses the whole archive for any link, device, absolute path, `..` or an unpacked size over `maxUnpacked`. */
async function checkEntries(archive: string, maxUnpacked: number): Promise<void> {
  const problems: string[] = [];
  let total = 0;
  let entries = 0;
  try {
    await list({
      file: archive,
      strict: true,
      onReadEntry: (entry: EntryFacts) => {
        entries += 1;
        total += entry.size ?? 0;
        const parts = entry.path.split(/[\\/]+/);
        if (!isPlain(entry)) problems.push(`${entry.path} is a ${entry.type}, not a file or folder`);
        else if (entry.path.startsWith("/") || /^[A-Za-z]:/.test(entry.path) || parts.includes("..")) problems.push(`${entry.path} leaves the results folder`);
      },
    });
  } catch (error) {
    throw new HTTPException(400, { message: `the upload is not a .tar.gz: ${(error as Error).message.split("\n")[0]}` });
  }
  if (entries === 0) throw new HTTPException(400, { message: "the upload is an empty archive" });
  if (entries > MAX_ENTRIES) throw new HTTPException(400, { message: `the upload holds over ${MAX_ENTRIES} entries` });
  if (total > maxUnpacked) throw new HTTPException(413, { message: `the upload unpacks to over ${maxUnpacked} bytes` });
  if (problems.length > 0) throw new HTTPException(400, { message: `the upload is refused: ${problems.slice(0, 3).join("; ")}` });
}

/** The folder itself, or its one subfolder when the archive holds the folder rather than its files. */
async function resultsFolder(root: string): Promise<string> {
  const entries = await readdir(root, { withFileTypes: true });
  if (entries.length === 1 && entries[0]!.isDirectory()) return join(root, entries[0]!.name);
  return root;
}
