/** `recommend` over the store: the most recent completed runs, reduced to candidates and ranked. */
import type { ResultsStore } from "../store/results-store.js";
import { candidateFrom, recommend, type Candidate, type RecommendFilters } from "./recommend.js";

export interface StoredRecommendOptions extends RecommendFilters {
  model?: string;
  engine?: string;
  /** How many most recent completed runs to consider. */
  limit: number;
}

export async function recommendStoredRuns(store: ResultsStore, options: StoredRecommendOptions): Promise<Array<Candidate & { pareto: boolean }>> {
  const runs = await store.listRuns({ model: options.model, engine: options.engine, status: "completed", limit: options.limit });
  const metrics = await store.compareMetrics(runs.map((run) => run.id));
  return recommend(
    runs.map((run) => candidateFrom(run, metrics[run.id] ?? {})),
    options,
  );
}
