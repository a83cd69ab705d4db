/** What each part of `scripts/bench-runtime.ts` reports: a table of figures and whether its target was met. */
export interface BenchRuntimePartReport {
  title: string;
  /** The header row first. */
  table: string[][];
  target: string;
  met: boolean;
  notes?: string[];
}
