/**
 * Agent tokens and enrolment codes. A token is `kitt_agent_<id>_<secret>_<mac>`: 256 random bits
 * of secret, and an HMAC-SHA256 of id and secret under a key kept in `$KITT_HOME/web/` (0600),
 * not in the database — so after a database reset the server still knows its own tokens. Only
 * SHA-256 hashes of tokens and codes are stored.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { kittHome } from "../../config/paths.js";
import type { AgentToken } from "../../store/agents.js";
import { AGENT_TOKEN_PATTERN, AGENT_TOKEN_PREFIX } from "./agent-protocol.js";

const KEY_BYTES = 32;

export interface IssuedToken extends AgentToken {
  /** Shown once, to the agent it belongs to. */
  token: string;
}

/** A token whose MAC verifies: the agent it names, and what the store keeps of it. */
export interface VerifiedToken extends AgentToken {
  id: string;
}

/** SHA-256, hex: what is stored of a token or a code. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** True when two SHA-256 digests in hex (a presented token's and a stored one) are equal, compared in constant time. */
export function sameHash(presentedHex: string, storedHex: string): boolean {
  const a = Buffer.from(presentedHex, "hex");
  const b = Buffer.from(storedHex, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A single-use enrolment code: 192 random bits. */
export function newEnrolmentCode(): string {
  return randomBytes(24).toString("base64url");
}

export function newAgentId(): string {
  return randomUUID();
}

/** True for a bearer value shaped like an agent token (whether valid or not). */
export function looksLikeAgentToken(value: string): boolean {
  return value.startsWith(AGENT_TOKEN_PREFIX);
}

export class AgentTokens {
  private key: Promise<Buffer> | undefined;

  /** `keyFile`: `$KITT_HOME/web/agent-token.key` of `env` by default. */
  constructor(private readonly keyFile: string) {}

  static forHome(env: NodeJS.ProcessEnv): AgentTokens {
    return new AgentTokens(join(kittHome(env), "web", "agent-token.key"));
  }

  async issue(id: string): Promise<IssuedToken> {
    const secret = randomBytes(32).toString("base64url");
    const token = `${AGENT_TOKEN_PREFIX}${id}_${secret}_${await this.mac(id, secret)}`;
    return { token, hash: secretHash(token), prefix: displayPrefix(id, secret) };
  }

  /** A token this server issued (its MAC verifies); undefined for anything else. */
  async verify(token: string): Promise<VerifiedToken | undefined> {
    const match = AGENT_TOKEN_PATTERN.exec(token);
    if (!match) return undefined;
    const [, id, secret, mac] = match as unknown as [string, string, string, string];
    const expected = Buffer.from(await this.mac(id, secret), "utf8");
    const given = Buffer.from(mac, "utf8");
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return { id, hash: secretHash(token), prefix: displayPrefix(id, secret) };
  }

  private async mac(id: string, secret: string): Promise<string> {
    return createHmac("sha256", await this.loadKey()).update(`${id}.${secret}`).digest("base64url");
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= readOrCreateKey(this.keyFile).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }
}

/** Enough of a token to tell it apart from the agent's earlier ones, nothing that helps guess it. */
function displayPrefix(id: string, secret: string): string {
  return `${AGENT_TOKEN_PREFIX}${id.slice(0, 8)}…${secret.slice(0, 4)}`;
}

async function readOrCreateKey(file: string): Promise<Buffer> {
  try {
    const key = await readFile(file);
    if (key.length === KEY_BYTES) return key;
    throw new Error(`${file} holds ${key.length} bytes, not ${KEY_BYTES}: remove it to make a new key (every agent then enrols again)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  try {
    await writeFile(file, key, { mode: 0o600, flag: "wx" });
    await chmod(file, 0o600);
    return key;
  } catch (error) {
    // Another server sharing this home made it first.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFile(file);
    throw error;
  }
}
