/**
 * The aborts of the requests in flight under each signal, called by one listener per signal: a
 * quality run has hundreds of requests in flight under its one signal, and `addEventListener`
 * looks through every listener already there.
 */
const inFlight = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `abort` when `signal` aborts; the function returned forgets it. */
export function onAbort(signal: AbortSignal, abort: () => void): () => void {
  let aborts = inFlight.get(signal);
  if (aborts === undefined) {
    const all = new Set<() => void>();
    signal.addEventListener("abort", () => [...all].forEach((each) => each()), { once: true });
    inFlight.set(signal, all);
    aborts = all;
  }
  aborts.add(abort);
  return () => inFlight.get(signal)?.delete(abort);
}
