/**
 * HellaSwag as lm-evaluation-harness defines it: query = preprocess(activity_label + ": " + ctx_a
 * + " " + capitalize(ctx_b)), choices = preprocessed endings, scored by acc and acc_norm;
 * few-shot from train by the harness's default sampler (which draws one extra example here,
 * see `FewShotDraws`). The lettered fallback shows the endings as A–D.
 */
import { KittError } from "../../../errors.js";
import type { HellaswagData, HellaswagRawDoc } from "./data.js";
import { pythonCapitalize, pythonStrip } from "../../python-text.js";
import { FewShotDraws } from "../../prompts/few-shot-draws.js";
import { letteredItem } from "../../prompts/lettered.js";
import { buildPrompt, multipleChoice } from "../../prompts/prompt.js";
import type { LetteredTask, MultipleChoiceTask } from "../../prompts/types.js";

export interface HellaswagDoc {
  /** Position in the validation file. */
  index: number;
  query: string;
  choices: string[];
  gold: number;
}

/** The harness's `preprocess`: strip, " [title]" → ". ", drop `[...]`, then one pass of "  " → " ". */
export function hellaswagPreprocess(text: string): string {
  return pythonStrip(text).replaceAll(" [title]", ". ").replace(/\[.*?\]/g, "").replaceAll("  ", " ");
}

export function processHellaswagDoc(raw: HellaswagRawDoc): HellaswagDoc {
  const ctx = `${raw.ctxA} ${pythonCapitalize(raw.ctxB)}`;
  return {
    index: raw.index,
    query: hellaswagPreprocess(`${raw.activityLabel}: ${ctx}`),
    choices: raw.endings.map(hellaswagPreprocess),
    gold: raw.label,
  };
}

export interface HellaswagTaskOptions {
  shots?: number;
  documents?: readonly HellaswagDoc[];
}

/** HellaSwag is scored by log-likelihood, or in its lettered form. */
export type HellaswagTask = MultipleChoiceTask<HellaswagDoc> & LetteredTask<HellaswagDoc>;

export function createHellaswagTask(data: HellaswagData, options: HellaswagTaskOptions = {}): HellaswagTask {
  const shots = options.shots ?? 0;
  const validation = data.validation.map(processHellaswagDoc);
  if (validation.some((doc) => doc.gold < 0)) throw new KittError("CONFIG_INVALID", "HellaSwag documents to evaluate must have labels");
  let draws: FewShotDraws<HellaswagDoc> | undefined;
  if (shots > 0) {
    const pool = data.train?.map(processHellaswagDoc);
    if (pool === undefined || pool.length < shots + 1) throw new KittError("USAGE", `${shots}-shot HellaSwag needs a train file with more than ${shots} examples`);
    draws = new FewShotDraws(pool, shots, true);
  }
  const context = (doc: HellaswagDoc): string => {
    const examples = draws?.examplesFor(doc.index, doc) ?? [];
    return buildPrompt("", examples.map((ex) => ({ text: ex.query, target: ex.choices[ex.gold]! })), doc.query);
  };
  return {
    name: shots === 0 ? "hellaswag" : `hellaswag_${shots}shot`,
    documents: options.documents ?? validation,
    context,
    multipleChoice: (doc) => multipleChoice(context(doc), doc.choices, doc.gold),
    lettered: (doc) => letteredItem(`Choose the most likely continuation.\n\n${doc.query}`, doc.choices, doc.gold),
  };
}
