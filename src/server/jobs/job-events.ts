/**
 * What a job's viewers receive, and the bounded ring of a job's recent events (for viewers that
 * arrive late): it drops its oldest events when full and counts what it dropped, so it never makes
 * the job wait.
 */
import type { JobRecord } from "../../store/jobs.js";

export type JobEvent =
  /** The job changed status (queued → running → an ending); `job` as the store now has it. */
  | { type: "status"; job: JobRecord }
  /** One line `kitt run` printed: stderr holds its steps and warnings, stdout its summary. */
  | { type: "log"; stream: "stdout" | "stderr"; line: string }
  /** A test's progress, as numbers. */
  | { type: "progress"; test: string; phase: string; completed: number; total: number; failed: number; message?: string }
  /** The run the job started, once its results folder exists. */
  | { type: "run"; run_id: string; results_dir: string }
  /** `count` events were dropped before the next one (a viewer's connection backed up, or the ring's start). */
  | { type: "dropped"; count: number };

/** An event with its place in the job's sequence (SSE `id`). */
export type SequencedJobEvent = JobEvent & { seq: number };

export type JobListener = (event: SequencedJobEvent) => void;

/** A fixed number of the latest items; older ones are dropped and counted. */
export class DropOldestBuffer<T> {
  private items: T[] = [];
  /** How many were dropped. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity}: give a positive integer`);
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) {
      this.items.splice(0, this.items.length - this.capacity);
      this.dropped += 1;
    }
  }

  /** The items held, oldest first, without removing them. */
  snapshot(): T[] {
    return [...this.items];
  }
}
