/**
 * `--limit N` and `--subjects`: which documents a run evaluates.
 *
 * The sampler: keep the documents of the chosen subjects, then, when a limit is set, draw it with
 * Python's `random.Random(seed).sample` over the document positions (seed 1234 unless given) and
 * keep the drawn documents in their original order. For MMLU the limit applies per subject, as
 * lm-evaluation-harness's `--limit` does (each subject is its own task there), with one generator
 * per subject seeded `seed`, so a subject's draw does not depend on which other subjects run.
 * A limit at or above a group's size keeps the whole group.
 */
import { KittError } from "../../errors.js";
import { PythonRandom } from "../python-random.js";

export const DEFAULT_SAMPLE_SEED = 1234;

export interface SampleOptions {
  limit?: number;
  /** Only these subjects (MMLU); unknown names are an error. */
  subjects?: readonly string[];
  seed?: number;
}

export function sampleDocuments<T>(docs: readonly T[], limit: number | undefined, seed = DEFAULT_SAMPLE_SEED): T[] {
  if (limit === undefined || limit >= docs.length) return docs.slice();
  if (!Number.isInteger(limit) || limit < 1) throw new KittError("USAGE", `--limit must be a positive integer, got ${limit}`);
  const picked = new PythonRandom(seed).sample(
    docs.map((_, i) => i),
    limit,
  );
  return picked.sort((a, b) => a - b).map((i) => docs[i]!);
}

export function sampleBySubject<T extends { subject: string }>(docs: readonly T[], options: SampleOptions): T[] {
  const groups = new Map<string, T[]>();
  for (const doc of docs) {
    const group = groups.get(doc.subject);
    if (group === undefined) groups.set(doc.subject, [doc]);
    else group.push(doc);
  }
  const wanted = options.subjects ?? [...groups.keys()];
  const unknown = wanted.filter((subject) => !groups.has(subject));
  if (unknown.length > 0) {
    throw new KittError("USAGE", `unknown subject${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${[...groups.keys()].join(", ")}`);
  }
  const chosen = new Set(wanted);
  return [...groups.entries()]
    .filter(([subject]) => chosen.has(subject))
    .flatMap(([, group]) => sampleDocuments(group, options.limit, options.seed));
}
