/**
 * `kitt web`'s API tokens in the database: a name, the token's first characters and its SHA-256
 * hash. The token itself is never stored; whoever creates one sees it once.
 */
import { KittError } from "../errors.js";
import type { ResultsStore } from "./results-store.js";
import { writeTransaction } from "./write-transaction.js";

export interface WebTokenRecord {
  name: string;
  prefix: string;
  created_at: number;
}

/** Stores a token's hash under a name; USAGE when the name is taken. */
export async function addWebToken(store: ResultsStore, token: { name: string; prefix: string; hash: string }): Promise<void> {
  await writeTransaction(store.db, store.dialect, async (tx) => {
    const taken = await tx.selectFrom("web_tokens").select("name").where("name", "=", token.name).executeTakeFirst();
    if (taken) throw new KittError("USAGE", `a token named ${token.name} exists; revoke it first or choose another name`);
    await tx.insertInto("web_tokens").values({ ...token, created_at: Date.now() }).execute();
  });
}

export async function listWebTokens(store: ResultsStore): Promise<WebTokenRecord[]> {
  const rows = await store.db.selectFrom("web_tokens").select(["name", "prefix", "created_at"]).orderBy("name").execute();
  return rows.map((row) => ({ ...row, created_at: Number(row.created_at) }));
}

/** Deletes the named token; false when there was none. */
export async function revokeWebToken(store: ResultsStore, name: string): Promise<boolean> {
  const result = await writeTransaction(store.db, store.dialect, (tx) => tx.deleteFrom("web_tokens").where("name", "=", name).executeTakeFirst());
  return Number(result.numDeletedRows) > 0;
}

/** Every stored hash (hex), to check a presented token against. */
export async function webTokenHashes(store: ResultsStore): Promise<string[]> {
  return (await store.db.selectFrom("web_tokens").select("hash").execute()).map((row) => row.hash);
}
