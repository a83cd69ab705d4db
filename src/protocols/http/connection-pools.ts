/** The keep-alive connection pools requests to engines go through, with kitt's limits on how long an engine may keep one waiting. */
import { Agent, type Dispatcher } from "undici";

/** Time allowed until response headers arrive: a long prompt queued behind others can take minutes. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
/** Longest silence allowed between two pieces of a streamed body. */
export const DEFAULT_BODY_TIMEOUT_MS = 300_000;

const agents = new Map<string, Agent>();

/** A pool shared by every request using the same pair of timeouts. */
export function engineAgent(
  headersTimeoutMs = DEFAULT_HEADERS_TIMEOUT_MS,
  bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS,
): Agent {
  const key = `${headersTimeoutMs}/${bodyTimeoutMs}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ headersTimeout: headersTimeoutMs, bodyTimeout: bodyTimeoutMs });
    agents.set(key, agent);
  }
  return agent;
}

/** A pool of its own with at most `connections` to each engine, for a caller that closes it when done. */
export function enginePool(connections: number): Dispatcher {
  return new Agent({ connections, headersTimeout: DEFAULT_HEADERS_TIMEOUT_MS, bodyTimeout: DEFAULT_BODY_TIMEOUT_MS });
}
