/**
 * Failed sign-in attempts per client address: after `maxFailures` within `windowMs` the address
 * is refused (429) until its window ends, so a token cannot be guessed at network speed.
 */
const MAX_TRACKED = 10_000;

export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const entry = this.current(address);
    if (entry === undefined || entry.count < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((entry.since + this.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    // Many addresses (an IPv6 range) must not grow the table without bound: forget finished windows.
    if (this.failures.size >= MAX_TRACKED) for (const key of [...this.failures.keys()]) this.current(key);
    const entry = this.current(address);
    if (entry === undefined) this.failures.set(address, { count: 1, since: this.now() });
    else entry.count += 1;
  }

  private current(address: string): { count: number; since: number } | undefined {
    const entry = this.failures.get(address);
    if (entry !== undefined && this.now() - entry.since >= this.windowMs) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }
}
