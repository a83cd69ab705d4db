/**
 * Agents waiting for work: an agent between heartbeats may hold one request open
 * (`commands/wait`), answered as soon as a command is queued for it, so a quick test starts in a
 * second or two rather than at the next heartbeat. Only this server process rings; a command
 * queued by another one is still handed out with the next heartbeat.
 */
export class AgentDoorbell {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Wakes every request of the agent that waits. */
  ring(agentId: string): void {
    const waiters = this.waiting.get(agentId);
    if (!waiters) return;
    this.waiting.delete(agentId);
    for (const wake of waiters) wake();
  }

  /**
   * Resolves true when rung, false after `timeoutMs` or once `signal` aborts. `ready` runs once
   * the wait is in place (so a ring during it is not missed): true answers at once.
   */
  async wait(agentId: string, timeoutMs: number, signal: AbortSignal, ready: () => Promise<boolean>): Promise<boolean> {
    let wake!: () => void;
    const rung = new Promise<boolean>((resolve) => {
      wake = () => resolve(true);
    });
    const waiters = this.waiting.get(agentId) ?? new Set();
    waiters.add(wake);
    this.waiting.set(agentId, waiters);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => wake();
    try {
      if (await ready()) return true;
      const quiet = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      signal.addEventListener("abort", onAbort, { once: true });
      return await Promise.race([rung.then(() => !signal.aborted), quiet]);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      waiters.delete(wake);
      if (waiters.size === 0 && this.waiting.get(agentId) === waiters) this.waiting.delete(agentId);
    }
  }
}
