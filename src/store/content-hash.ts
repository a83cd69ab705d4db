/**
 * A run's identity by content: the sha256 of its files as stored — documents (`metrics.json`,
 * `serve.json`, `config.json`…) and request or item files (`requests.jsonl`, `*.items.jsonl`) —
 * which are also the files `kitt storage export` writes back. Importing the same files twice,
 * or the folder of a run that was stored as it ran, finds the run already there.
 */
import { createHash } from "node:crypto";
import type { RunRecord } from "./run-record.js";
import { unpackText } from "./samples-codec.js";
import type { StoreWriter } from "./write-transaction.js";

export function contentHash(files: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(files).sort()) hash.update(name).update("\0").update(files[name]!).update("\0");
  return hash.digest("hex");
}

/** The files a record will be stored with. */
export function recordFiles(record: RunRecord): Record<string, string> {
  const files: Record<string, string> = { ...record.meta.documents, ...record.end.documents };
  for (const test of record.tests) Object.assign(files, test.sampleFiles);
  return files;
}

/** A stored run's files, by name, exactly as stored. */
export async function storedFiles(db: StoreWriter, runId: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const documents = await db.selectFrom("raw_documents").select(["name", "content"]).where("run_id", "=", runId).orderBy("name").execute();
  for (const doc of documents) files[doc.name] = doc.content;
  const requestFiles = await db.selectFrom("request_samples").select(["name", "data"]).where("run_id", "=", runId).where("format", "=", "jsonl").execute();
  for (const file of requestFiles) files[file.name] = unpackText(file.data);
  return files;
}
