/**
 * `truthfulqa_gen` as lm-evaluation-harness defines it (truthfulqa_gen.yaml, utils.py): 0-shot,
 * the QA primer then "\n\nQ: {question}" — no "\nA:" cue — greedy until "\n\n" (the yaml gives no
 * `generation_kwargs`, so the harness defaults to `until: [fewshot_delimiter]`, no sampling), and
 * `process_results_gen` against the document's reference lists. The references come from
 * `TruthfulQA.csv` split as the Hub's `generation` config splits them (";"-separated, stripped),
 * or from that config itself, then formatted as the harness's `preprocess_function` does (empties
 * dropped, a "." added where missing, "I have no comment." appended to the true ones when
 * absent) — see `loadTruthfulQaGen` and `truthfulQaGenFromRows`.
 */
import type { GenerationTask } from "../../prompts/types.js";
import { QA_PRIMER } from "../truthfulqa/prompts.js";
import type { TruthfulQaGenDoc } from "./data.js";
import type { TruthfulQaGenReferences } from "./scoring.js";

export const TRUTHFULQA_GEN_STOP = ["\n\n"];

/** Every document's prompt and stop; the best answer as the reference, for display. */
export function createTruthfulQaGenTask(docs: readonly TruthfulQaGenDoc[]): GenerationTask<TruthfulQaGenDoc> {
  const context = (doc: TruthfulQaGenDoc) => `${QA_PRIMER}\n\nQ: ${doc.question}`;
  return {
    name: "truthfulqa_gen",
    documents: docs,
    context,
    // BLEU/ROUGE compare against every reference; `reference` carries the best answer for display.
    generation: (doc) => ({ prompt: context(doc), stop: TRUTHFULQA_GEN_STOP.slice(), reference: doc.bestAnswer }),
  };
}

export interface TruthfulQaGenerationTask extends GenerationTask<TruthfulQaGenDoc> {
  references(doc: TruthfulQaGenDoc): TruthfulQaGenReferences;
}

/**
 * The generation task over `docs`. Documents without a false reference are left out, as the
 * Hub's builder leaves out rows with an empty "Incorrect Answers" (and the harness could not
 * score them: `np.nanmax` of nothing raises). The true list is never empty: it always holds
 * "I have no comment.". The real file has no row without either list.
 */
export function createTruthfulQaGenerationTask(docs: readonly TruthfulQaGenDoc[]): TruthfulQaGenerationTask {
  const base = createTruthfulQaGenTask(docs.filter((doc) => doc.incorrectAnswers.length > 0));
  return {
    name: base.name,
    documents: base.documents,
    context: (doc) => base.context(doc),
    generation: (doc) => base.generation(doc),
    references: (doc) => ({ correct: doc.correctAnswers.slice(), incorrect: doc.incorrectAnswers.slice() }),
  };
}
