/**
 * Waits for an absolute `performance.now()` time with sub-millisecond accuracy. Event-loop timers
 * fire on a millisecond grid and often a millisecond late, which is how a load generator silently
 * under-delivers at high rates; so the wait sleeps with `setTimeout` until shortly before the
 * deadline, then re-checks the clock on every loop turn with `setImmediate`, which keeps serving
 * I/O while it waits.
 */

/** How long before a deadline the timer stops sleeping and starts checking every loop turn. */
export const SPIN_WINDOW_MS = 2;

export class DeadlineTimer {
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private deadline = 0;
  private callback: (() => void) | undefined;

  /** Calls `callback` once `performance.now()` reaches `deadline`; replaces any earlier wait. */
  arm(deadline: number, callback: () => void): void {
    this.cancel();
    this.deadline = deadline;
    this.callback = callback;
    this.check();
  }

  cancel(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    this.callback = undefined;
  }

  private readonly check = (): void => {
    this.timeout = undefined;
    this.immediate = undefined;
    const callback = this.callback;
    if (callback === undefined) return;
    const wait = this.deadline - performance.now();
    if (wait <= 0) {
      this.callback = undefined;
      callback();
    } else if (wait > SPIN_WINDOW_MS) {
      this.timeout = setTimeout(this.check, wait - SPIN_WINDOW_MS);
    } else {
      this.immediate = setImmediate(this.check);
    }
  };
}
