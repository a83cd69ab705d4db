/**
 * `--limit N`, `--sample N` and `--subjects`: which documents a run evaluates.
 *
 * `limit` keeps the first N documents in order, as lm-evaluation-harness's `--limit` does, so a
 * subset run scores the same documents as the harness's. `sample` draws N at random instead, with
 * Python's `random.Random(seed).sample` over the document positions (seed 1234 unless given),
 * keeping the drawn documents in their original order; with `limit` too, it draws from the first
 * `limit`. For MMLU both apply per subject, as the harness's `--limit` does (each subject is its
 * own task there); a sample draws each subject with its own generator seeded `seed`, so a
 * subject's draw does not depend on which other subjects run. N at or above a group's size keeps
 * the whole group.
 */
import { KittError } from "../../errors.js";
import { PythonRandom } from "../python-random.js";

export const DEFAULT_SAMPLE_SEED = 1234;

export interface Selection {
  /** The first N documents. */
  limit?: number;
  /** N documents drawn with `seed` (from the first `limit`, when set). */
  sample?: number;
  seed?: number;
}

export interface SubjectSelection extends Selection {
  /** Only these subjects (MMLU); unknown names are an error. */
  subjects?: readonly string[];
}

export function selectDocuments<T>(docs: readonly T[], selection: Selection): T[] {
  const { limit, sample, seed = DEFAULT_SAMPLE_SEED } = selection;
  const pool = limit === undefined ? docs.slice() : docs.slice(0, positive(limit, "limit"));
  if (sample === undefined || positive(sample, "sample") >= pool.length) return pool;
  const picked = new PythonRandom(seed).sample(
    pool.map((_, i) => i),
    sample,
  );
  return picked.sort((a, b) => a - b).map((i) => pool[i]!);
}

export function selectBySubject<T extends { subject: string }>(docs: readonly T[], selection: SubjectSelection): T[] {
  const groups = new Map<string, T[]>();
  for (const doc of docs) {
    const group = groups.get(doc.subject);
    if (group === undefined) groups.set(doc.subject, [doc]);
    else group.push(doc);
  }
  const wanted = selection.subjects ?? [...groups.keys()];
  const unknown = wanted.filter((subject) => !groups.has(subject));
  if (unknown.length > 0) {
    throw new KittError("USAGE", `unknown subject${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${[...groups.keys()].join(", ")}`);
  }
  const chosen = new Set(wanted);
  return [...groups.entries()].filter(([subject]) => chosen.has(subject)).flatMap(([, group]) => selectDocuments(group, selection));
}

function positive(count: number, name: string): number {
  if (!Number.isInteger(count) || count < 1) throw new KittError("USAGE", `--${name} must be a positive integer, got ${count}`);
  return count;
}
