/**
 * GSM8K as lm-evaluation-harness defines it: "Question: …\nAnswer:" with 5 examples drawn from
 * train by the harness's default sampler (`random.Random(1234).sample`, reproduced exactly), each
 * block carrying the full worked answer; greedy generation stopped at "Question:".
 */
import { KittError } from "../../../errors.js";
import type { Gsm8kData, Gsm8kDoc } from "./data.js";
import { FewShotDraws } from "../../prompts/few-shot-draws.js";
import { buildPrompt, type Shot } from "../../prompts/prompt.js";
import type { GenerationTask } from "../../prompts/types.js";

export const GSM8K_STOP = ["Question:", "</s>", "<|im_end|>"];
export const GSM8K_DEFAULT_SHOTS = 5;

export function gsm8kDocToText(doc: Gsm8kDoc): string {
  return `Question: ${doc.question}\nAnswer:`;
}

export interface Gsm8kTaskOptions {
  shots?: number;
  documents?: readonly Gsm8kDoc[];
}

export function createGsm8kTask(data: Gsm8kData, options: Gsm8kTaskOptions = {}): GenerationTask<Gsm8kDoc> {
  const shots = options.shots ?? GSM8K_DEFAULT_SHOTS;
  if (shots > data.train.length) throw new KittError("USAGE", `GSM8K has ${data.train.length} train examples, fewer than ${shots} shots`);
  const draws = new FewShotDraws(data.train, shots);
  const context = (doc: Gsm8kDoc): string => {
    const examples: Shot[] = shots === 0 ? [] : draws.examplesFor(doc.index).map((ex) => ({ text: gsm8kDocToText(ex), target: ex.answer }));
    return buildPrompt("", examples, gsm8kDocToText(doc));
  };
  return {
    name: "gsm8k",
    documents: options.documents ?? data.test,
    context,
    // The reference is the full answer; exact_match's regexes_to_ignore cut it down to the number.
    generation: (doc) => ({ prompt: context(doc), stop: GSM8K_STOP.slice(), reference: doc.answer }),
  };
}
