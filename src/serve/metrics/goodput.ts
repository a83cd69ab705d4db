/**
 * Goodput as vLLM defines it: a completed request is good when every SLO given holds
 * (value ≤ SLO). A request with one output token or none has no TPOT and counts as TPOT 0,
 * so it passes a TPOT SLO.
 */
import type { AccumulatedRun } from "./accumulator.js";
import { requestTpotMs } from "./samples.js";

/** Service-level objectives in milliseconds; `request_goodput` is reported only when one is set. */
export interface GoodputSlo {
  ttft?: number;
  tpot?: number;
  e2el?: number;
}

export function hasSlo(slo: GoodputSlo | undefined): slo is GoodputSlo {
  return slo !== undefined && (slo.ttft !== undefined || slo.tpot !== undefined || slo.e2el !== undefined);
}

export function countGoodRequests(run: AccumulatedRun, slo: GoodputSlo): number {
  let good = 0;
  for (let request = 0; request < run.completed; request++) {
    if (slo.ttft !== undefined && (run.ttftMs[request] as number) > slo.ttft) continue;
    if (slo.tpot !== undefined && (requestTpotMs(run, request) ?? 0) > slo.tpot) continue;
    if (slo.e2el !== undefined && (run.e2elMs[request] as number) > slo.e2el) continue;
    good++;
  }
  return good;
}
