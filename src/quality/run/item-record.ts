/** What evaluating one document produced: its scores and what the engine answered. */
import type { JsonValue } from "../../json.js";

export interface ItemRecord {
  /** Stable id of the document within its task (its position in the data set). */
  key: string;
  /** MMLU's subject. */
  subject?: string;
  /** Metric name → this document's score (0/1, or mc2's probability mass). */
  scores: Record<string, number>;
  /** The engine's answer: log-likelihoods, letter log-probabilities or generated text. */
  detail: { [key: string]: JsonValue };
  /** Set when the document's prompt lost its oldest tokens to fit the engine's context. */
  truncated?: true;
}

/** The record's `truncated` mark: present only when the prompt was cut. */
export function truncatedMark(truncated: boolean): Pick<ItemRecord, "truncated"> {
  return truncated ? { truncated: true } : {};
}
