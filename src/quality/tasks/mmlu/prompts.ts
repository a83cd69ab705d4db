/**
 * MMLU as lm-evaluation-harness defines it: per-subject description, `first_n` few-shot from the
 * subject's dev rows (0-shot is the harness default, 5-shot the Open LLM Leaderboard's), choices
 * "A".."D" scored as " A".." D" after "Answer:". The generative variant stops at a newline and
 * expects the letter; the lettered method reads the first token's top-k letters of the same prompt.
 */
import { KittError } from "../../../errors.js";
import type { MmluCategory, MmluData, MmluDoc } from "./data.js";
import { pythonStrip } from "../../python-text.js";
import { LETTERS } from "../../prompts/lettered.js";
import { buildPrompt, multipleChoice, type Shot } from "../../prompts/prompt.js";
import type { GenerationItem, GenerationTask, LetteredItem, LetteredTask, MultipleChoiceItem, MultipleChoiceTask } from "../../prompts/types.js";

export const MMLU_CHOICES = ["A", "B", "C", "D"];
export const MMLU_GENERATION_STOP = ["</s>", "\n"];

export function mmluDescription(subject: string): string {
  return `The following are multiple choice questions (with answers) about ${subject.replaceAll("_", " ")}.\n\n`;
}

export function mmluDocToText(doc: MmluDoc): string {
  const [a, b, c, d] = doc.choices;
  return `${pythonStrip(doc.question)}\nA. ${a}\nB. ${b}\nC. ${c}\nD. ${d}\nAnswer:`;
}

export function mmluShot(doc: MmluDoc): Shot {
  return { text: mmluDocToText(doc), target: MMLU_CHOICES[doc.answer]! };
}

export interface MmluTaskOptions {
  /** Few-shot examples from the subject's dev rows, in order (0–5). */
  shots: number;
  /** The test documents to evaluate (already sampled); all of them by default. */
  documents?: readonly MmluDoc[];
}

/** MMLU is scored by log-likelihood, by generation, and by the first token's top-k letters; its subjects group into categories. */
export type MmluTask = MultipleChoiceTask<MmluDoc> &
  GenerationTask<MmluDoc> &
  LetteredTask<MmluDoc> & {
    readonly categories: ReadonlyMap<string, MmluCategory>;
  };

export function createMmluTask(data: MmluData, options: MmluTaskOptions): MmluTask {
  const { shots } = options;
  const documents = options.documents ?? data.test;
  // Checked once for the whole run, not as one failure per document.
  const short = [...new Set(documents.map((doc) => doc.subject))].filter((subject) => (data.dev.get(subject)?.length ?? 0) < shots);
  if (short.length > 0) {
    const counts = short.map((subject) => `${subject} has ${data.dev.get(subject)?.length ?? 0}`).join(", ");
    throw new KittError("USAGE", `MMLU ${shots}-shot needs ${shots} dev examples per subject: ${counts}`);
  }
  const context = (doc: MmluDoc): string => {
    const pool = data.dev.get(doc.subject) ?? [];
    if (shots > pool.length) throw new KittError("USAGE", `MMLU ${doc.subject} has ${pool.length} dev examples, fewer than ${shots} shots`);
    return buildPrompt(mmluDescription(doc.subject), pool.slice(0, shots).map(mmluShot), mmluDocToText(doc));
  };
  return {
    name: shots === 0 ? "mmlu" : `mmlu_${shots}shot`,
    documents,
    categories: data.categories,
    context,
    multipleChoice: (doc): MultipleChoiceItem => multipleChoice(context(doc), MMLU_CHOICES, doc.answer),
    generation: (doc): GenerationItem => ({ prompt: context(doc), stop: MMLU_GENERATION_STOP.slice(), reference: MMLU_CHOICES[doc.answer]! }),
    lettered: (doc): LetteredItem => ({ prompt: context(doc), letters: [...LETTERS.slice(0, 4)], gold: doc.answer, stop: ["\n"] }),
  };
}
