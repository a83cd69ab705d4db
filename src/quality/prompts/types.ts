/** What a quality task hands to whoever queries an engine, one method per way of scoring. */

/** Scored by summed log-likelihood of each continuation after `context` (acc, acc_norm, mc2). */
export interface MultipleChoiceItem {
  context: string;
  /** The choices as shown, without the target delimiter (acc_norm divides by their length). */
  choices: string[];
  /** `" " + choice`, what is scored after the context. */
  continuations: string[];
  /** Index of the gold choice. */
  gold: number;
}

/** Greedy generation, then a filter and `exact_match` against `reference`. */
export interface GenerationItem {
  prompt: string;
  stop: string[];
  reference: string;
}

/**
 * The choices shown with letters and an "Answer:" cue: scored from the first generated token's
 * top-k letters, or from the generated letter. A different metric from log-likelihood `acc`.
 */
export interface LetteredItem {
  prompt: string;
  letters: string[];
  /** Index of the gold letter. */
  gold: number;
  stop: string[];
}

export interface QualityTask<Doc> {
  readonly name: string;
  readonly documents: readonly Doc[];
  /** The full prompt for a document: description, few-shot blocks, then the question. */
  context(doc: Doc): string;
}

/**
 * What a task can be scored by, one interface per way: a task implements those it supports, and
 * a plan asks for exactly the ones its methods use.
 */
export interface MultipleChoiceTask<Doc> extends QualityTask<Doc> {
  multipleChoice(doc: Doc): MultipleChoiceItem;
}

export interface GenerationTask<Doc> extends QualityTask<Doc> {
  generation(doc: Doc): GenerationItem;
}

export interface LetteredTask<Doc> extends QualityTask<Doc> {
  lettered(doc: Doc): LetteredItem;
}
