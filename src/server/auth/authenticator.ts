/**
 * Which tokens the server accepts: `KITT_AUTH_TOKEN` / `--auth-token`, and every token stored
 * with `kitt web token create` (read per request, so a new or revoked token counts at once).
 */
import type { ResultsStore } from "../../store/results-store.js";
import { webTokenHashes } from "../../store/web-tokens.js";
import { hashToken, matchesAnyHash } from "./token-hash.js";

/** The tokens as they stand for one request. */
export interface TokenCheck {
  /** True when any token exists (or the server is beyond loopback): then every route but the public ones needs one. */
  required: boolean;
  accepts(token: string): boolean;
}

export class Authenticator {
  private readonly configuredHash: Buffer | undefined;

  /**
   * `alwaysRequired`: a server listening beyond loopback stays closed even after its last stored
   * token is revoked, rather than opening up.
   */
  constructor(
    private readonly store: ResultsStore,
    configuredToken: string | undefined,
    private readonly alwaysRequired = false,
  ) {
    this.configuredHash = configuredToken === undefined || configuredToken === "" ? undefined : hashToken(configuredToken);
  }

  /** One read of the stored hashes, for everything a request asks. */
  async current(): Promise<TokenCheck> {
    const hashes: Buffer[] = (await webTokenHashes(this.store)).map((hex) => Buffer.from(hex, "hex"));
    if (this.configuredHash !== undefined) hashes.push(this.configuredHash);
    return { required: this.alwaysRequired || hashes.length > 0, accepts: (token) => matchesAnyHash(token, hashes) };
  }
}
