/** A task made ready to run on one engine by one method: its items and the metrics they score. */
import type { Metrics } from "../../metrics.js";
import type { QualityEngine } from "../engine/quality-engine.js";
import type { ScoringMethod } from "../scoring/summary.js";
import type { LetteredItem } from "../prompts/types.js";
import { letteredGeneration, topKLetters } from "./evaluate.js";
import { truncatedMark, type ItemRecord } from "./item-record.js";
import type { PlannedItem } from "./run-items.js";

export interface QualityPlan {
  /** The task's name, e.g. `mmlu_5shot`. */
  task: string;
  method: ScoringMethod;
  /** "harness": lm-evaluation-harness's own prompts; "lettered": the lettered fallback, a different metric. */
  prompt: "harness" | "lettered";
  /** The metric names every record scores, most important first. */
  metrics: string[];
  items: PlannedItem[];
  /** Metrics beside each metric's mean, from all the records (MMLU's per subject and per category); they win over the means' keys. */
  breakdown?(records: readonly ItemRecord[]): Metrics;
}

export interface PlanOptions {
  engine: QualityEngine;
  method: ScoringMethod;
  /** How many alternatives `top_k_letters` asks for. */
  topK: number;
}

/** The metric a lettered fallback reports, so it is never read as the harness's acc. */
export const LETTERED_METRIC = "lettered_acc";

/** Scores a lettered prompt by top-k letters or by a generated letter. */
export async function letteredRecord(
  options: PlanOptions,
  item: LetteredItem,
  metric: string,
  key: string,
  signal: AbortSignal,
): Promise<ItemRecord> {
  if (options.method === "top_k_letters") {
    const { score, letterLogprobs, truncated } = await topKLetters(options.engine, item, options.topK, signal);
    return {
      key,
      scores: { [metric]: score },
      detail: { letters: item.letters, gold: item.gold, letter_logprobs: letterLogprobs },
      ...truncatedMark(truncated),
    };
  }
  const { score, response, truncated } = await letteredGeneration(options.engine, item, signal);
  return { key, scores: { [metric]: score }, detail: { gold: item.gold, response }, ...truncatedMark(truncated) };
}

/** One planned item per document, keyed by the document's index in its data set. */
export function itemsOf<Doc extends { index: number }>(
  documents: readonly Doc[],
  evaluate: (doc: Doc, key: string, signal: AbortSignal) => Promise<ItemRecord>,
): PlannedItem[] {
  return documents.map((doc) => {
    const key = String(doc.index);
    return { key, evaluate: (signal) => evaluate(doc, key, signal) };
  });
}
