/**
 * Runs callbacks at absolute monotonic-clock times with sub-millisecond accuracy, for the
 * self-test server's token pace: its recorded intervals are the truth the client is checked
 * against, and Node's timers alone fire up to a few milliseconds late. Timers bring it close;
 * the last stretch is slept precisely with `Atomics.wait`, which costs no CPU (unlike spinning,
 * which would take the core the client needs) but holds up this process's I/O for at most
 * `SLEEP_WINDOW_MS`: acceptable for a test server, whose own response times are not measured.
 */
import { monotonicNowMs } from "../dispatch/clock.js";

const SLEEP_WINDOW_MS = 2.5;

export class Pacer {
  private readonly due: number[] = [];
  private readonly callbacks: (() => void)[] = [];
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private wakeAt = Infinity;

  /** Calls `callback` at monotonic time `due` (at once when it is past). */
  at(due: number, callback: () => void): void {
    this.push(due, callback);
    if (due < this.wakeAt) this.arm();
  }

  /**
   * Runs every callback that is due now. The server calls this before handling each new request,
   * so a burst of arriving requests cannot hold back tokens that are due.
   */
  runDue(): void {
    let now = monotonicNowMs();
    while (this.due.length > 0 && (this.due[0] as number) <= now) {
      this.pop()();
      now = monotonicNowMs();
    }
  }

  private readonly drive = (): void => {
    this.timeout = undefined;
    this.immediate = undefined;
    this.wakeAt = Infinity;
    const first = this.due[0];
    if (first !== undefined) {
      const wait = first - monotonicNowMs();
      if (wait > 0 && wait <= SLEEP_WINDOW_MS) Atomics.wait(this.sleeper, 0, 0, wait);
    }
    this.runDue();
    if (this.due.length > 0) this.arm();
  };

  private arm(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    const next = this.due[0] as number;
    this.wakeAt = next;
    const wait = next - monotonicNowMs();
    // Through the event loop either way, so requests that arrived meanwhile are served first.
    if (wait > SLEEP_WINDOW_MS) this.timeout = setTimeout(this.drive, wait - SLEEP_WINDOW_MS);
    else this.immediate = setImmediate(this.drive);
  }

  /** Binary min-heap on `due`, with the callbacks kept alongside. */
  private push(due: number, callback: () => void): void {
    let slot = this.due.length;
    this.due.push(due);
    this.callbacks.push(callback);
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if ((this.due[parent] as number) <= due) break;
      this.move(parent, slot);
      slot = parent;
    }
    this.due[slot] = due;
    this.callbacks[slot] = callback;
  }

  private pop(): () => void {
    const top = this.callbacks[0] as () => void;
    const lastDue = this.due.pop() as number;
    const lastCallback = this.callbacks.pop() as () => void;
    const size = this.due.length;
    if (size === 0) return top;
    let slot = 0;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && (this.due[right] as number) < (this.due[left] as number) ? right : left;
      if ((this.due[child] as number) >= lastDue) break;
      this.move(child, slot);
      slot = child;
    }
    this.due[slot] = lastDue;
    this.callbacks[slot] = lastCallback;
    return top;
  }

  private move(from: number, to: number): void {
    this.due[to] = this.due[from] as number;
    this.callbacks[to] = this.callbacks[from] as () => void;
  }
}
