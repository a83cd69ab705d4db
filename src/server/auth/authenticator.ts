/**
 * Which tokens the server accepts: `KITT_AUTH_TOKEN` / `--auth-token`, and every token stored
 * with `kitt web token create` (read per request, so a new or revoked token counts at once).
 */
import type { ResultsStore } from "../../store/results-store.js";
import { webTokenHashes } from "../../store/web-tokens.js";
import { hashToken, matchesAnyHash } from "./token-hash.js";

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

  /** True when any token exists: then every route but the public ones needs one. */
  async required(): Promise<boolean> {
    return this.alwaysRequired || this.configuredHash !== undefined || (await this.storedHashes()).length > 0;
  }

  async accepts(token: string): Promise<boolean> {
    const hashes = await this.storedHashes();
    if (this.configuredHash !== undefined) hashes.push(this.configuredHash);
    return matchesAnyHash(token, hashes);
  }

  private async storedHashes(): Promise<Buffer[]> {
    return (await webTokenHashes(this.store)).map((hex) => Buffer.from(hex, "hex"));
  }
}
