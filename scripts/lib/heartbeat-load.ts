/**
 * Simulated agents heartbeating at a fixed rate, spread evenly over each interval (with 500
 * agents and 1 s, one heartbeat every 2 ms), for `seconds`. Each heartbeat is sent when it is
 * due whether or not earlier ones were answered, as separate agents would; how late the client
 * sent it ("lag") is kept apart from how long the server took to answer it.
 */
import type { Pool } from "undici";
import { agentPaths } from "../../src/server/agents/agent-protocol.js";
import { heartbeatBody, postJson, type SimulatedAgent } from "./simulated-agents.js";

export interface HeartbeatLoad {
  /** Heartbeats due in the time. */
  scheduled: number;
  /** Milliseconds from sending to the full answer, for each heartbeat answered 200 with commands and settings. */
  latencies: number[];
  /** Milliseconds each heartbeat left after it was due. */
  lags: number[];
  /** Heartbeats not answered as they should be, counted by what happened. */
  lost: Map<string, number>;
}

export async function heartbeatLoad(pool: Pool, agents: readonly SimulatedAgent[], options: { seconds: number; intervalMs: number; timeoutMs: number }): Promise<HeartbeatLoad> {
  const spacing = options.intervalMs / agents.length;
  const scheduled = Math.round((options.seconds * 1000) / options.intervalMs) * agents.length;
  const result: HeartbeatLoad = { scheduled, latencies: [], lags: [], lost: new Map() };
  const lose = (why: string): void => {
    result.lost.set(why, (result.lost.get(why) ?? 0) + 1);
  };
  const inFlight = new Set<Promise<void>>();
  const send = (agent: SimulatedAgent): void => {
    const started = performance.now();
    const beat = postJson(pool, agentPaths.heartbeat, heartbeatBody(agent), agent.token, options.timeoutMs).then(
      (answer) => {
        const body = answer.body as { commands?: unknown; settings?: unknown };
        if (answer.status !== 200) lose(`HTTP ${answer.status}`);
        else if (!Array.isArray(body.commands) || typeof body.settings !== "object") lose("answer without commands and settings");
        else result.latencies.push(performance.now() - started);
      },
      (error: unknown) => lose((error as { code?: string }).code ?? (error as Error).message),
    );
    inFlight.add(beat);
    void beat.finally(() => inFlight.delete(beat));
  };

  const start = performance.now() + 10;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      for (let now = performance.now(); sent < scheduled && start + sent * spacing <= now; now = performance.now()) {
        result.lags.push(now - (start + sent * spacing));
        send(agents[sent % agents.length]!);
        sent++;
      }
      if (sent === scheduled) resolve();
      else setTimeout(tick, Math.max(0, start + sent * spacing - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  return result;
}
