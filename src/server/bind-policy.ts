/** Whether a listen address is reachable only from this machine, and the refusal to expose an open server. */
import { isIP } from "node:net";
import { KittError } from "../errors.js";

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1" || bare === "::ffff:127.0.0.1";
}

/**
 * Refuses to listen beyond loopback without a token (anyone on the network could read and delete
 * results); `--insecure` allows it, and the caller warns on every start.
 */
export function checkBind(host: string, tokenConfigured: boolean, insecure: boolean): { warning?: string } {
  if (isLoopback(host) || tokenConfigured) return {};
  if (!insecure) {
    throw new KittError(
      "UNSAFE_BIND",
      `refusing to serve on ${host} without a token: set KITT_AUTH_TOKEN, pass --auth-token, create one with 'kitt web token create NAME', or add --insecure`,
    );
  }
  return { warning: `serving on ${host} with no token: anyone who can reach this port can read and delete results (--insecure)` };
}
