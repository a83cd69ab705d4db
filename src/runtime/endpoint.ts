/**
 * An engine someone else runs (`--url`). kitt owns nothing here: launching and stopping
 * do nothing, and it never "exits" from kitt's point of view.
 */
import type { EngineProcess, ProcessExit } from "./engine-process.js";

export class ExternalEndpoint implements EngineProcess {
  readonly kind = "endpoint" as const;
  readonly hasExited = false;
  readonly exited: Promise<ProcessExit> = new Promise(() => undefined);

  constructor(readonly label: string) {}

  async launch(): Promise<void> {}

  onLogLine(): () => void {
    return () => undefined;
  }

  recentLogs(): string[] {
    return [];
  }

  async stop(): Promise<void> {}

  abandon(): void {}
}
