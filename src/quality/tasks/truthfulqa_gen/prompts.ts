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
import type { TruthfulQaGenDoc } from "../truthfulqa/data.js";
import type { TruthfulQaGenReferences } from "./scoring.js";
import { createTruthfulQaGenTask } from "../truthfulqa/prompts.js";
import type { GenerationTask } from "../../prompts/types.js";

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
