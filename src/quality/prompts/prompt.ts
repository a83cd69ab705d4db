/** lm-evaluation-harness's prompt assembly: description + few-shot blocks + the document's text. */
import { pythonRstrip } from "../python-text.js";

export const TARGET_DELIMITER = " ";
export const FEWSHOT_DELIMITER = "\n\n";

export interface Shot {
  text: string;
  target: string;
}

export function buildPrompt(description: string, shots: readonly Shot[], text: string): string {
  let prompt = description;
  for (const shot of shots) {
    prompt += shot.text;
    // The harness leaves out the delimiter and target when a target is empty.
    if (shot.target !== "") prompt += TARGET_DELIMITER + shot.target + FEWSHOT_DELIMITER;
  }
  return prompt + text;
}

export function multipleChoice(context: string, choices: readonly string[], gold: number) {
  return { context, choices: choices.slice(), continuations: choices.map((choice) => TARGET_DELIMITER + choice), gold };
}

/**
 * The request actually scored: trailing whitespace of the context moves onto the continuation
 * before tokenizing, as the harness's `_encode_pair` does.
 */
export function loglikelihoodPair(context: string, continuation: string): { context: string; continuation: string } {
  const trimmed = pythonRstrip(context);
  return { context: trimmed, continuation: context.slice(trimmed.length) + continuation };
}
