/**
 * `kitt web token create|list|revoke`: API tokens kept in the results database as SHA-256
 * hashes. A new token is printed once, on stdout, and nowhere else.
 */
import { KittError } from "../../errors.js";
import { textTable } from "../../report/text-table.js";
import { generateToken, hashToken, TOKEN_PREFIX_LENGTH } from "../../server/auth/token-hash.js";
import { openStore } from "../../store/results-store.js";
import { addWebToken, listWebTokens, revokeWebToken } from "../../store/web-tokens.js";
import type { DB_OPTION } from "../options/storage.js";
import type { OptionsInput } from "../options/table.js";
import type { WEB_TOKEN_LIST_OPTIONS } from "../options/web.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function webTokenCreateCommand(name: string, options: OptionsInput<typeof DB_OPTION>): Promise<void> {
  if (!NAME.test(name)) throw new KittError("USAGE", `token name ${JSON.stringify(name)}: letters, digits, '.', '_' and '-', at most 64`);
  await using store = await openStore({ url: options.db });
  const token = generateToken();
  await addWebToken(store, { name, prefix: token.slice(0, TOKEN_PREFIX_LENGTH), hash: hashToken(token).toString("hex") });
  process.stderr.write(`token ${name} created; it is shown only now, keep it somewhere safe:\n`);
  process.stdout.write(`${token}\n`);
}

export async function webTokenListCommand(options: OptionsInput<typeof WEB_TOKEN_LIST_OPTIONS>): Promise<void> {
  await using store = await openStore({ url: options.db });
  const tokens = await listWebTokens(store);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
    return;
  }
  if (tokens.length === 0) {
    process.stdout.write(`no tokens in ${store.description}\n`);
    return;
  }
  const table = textTable({ head: ["name", "starts with", "created"] });
  for (const token of tokens) table.push([token.name, `${token.prefix}…`, new Date(token.created_at).toISOString().slice(0, 16).replace("T", " ")]);
  process.stdout.write(`${table.toString()}\n`);
}

export async function webTokenRevokeCommand(name: string, options: OptionsInput<typeof DB_OPTION>): Promise<void> {
  await using store = await openStore({ url: options.db });
  if (!(await revokeWebToken(store, name))) throw new KittError("NOT_FOUND", `no token named ${name} in ${store.description}`);
  process.stdout.write(`token ${name} revoked\n`);
}
