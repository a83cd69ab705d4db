/** Pieces several emulated engines share: log timestamps, fake token ids, histograms over finished requests. */
import { Histogram } from "./prometheus.mjs";
import { tokenize } from "./text-model.mjs";

export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
export const E2E_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0];
export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
export const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/** A histogram over finished requests; `pick` may return one value, a list, or undefined to skip. */
export function histogramOver(records, pick, buckets) {
  const histogram = new Histogram(buckets);
  for (const record of records) {
    const picked = pick(record);
    for (const value of Array.isArray(picked) ? picked : picked === undefined ? [] : [picked]) histogram.observe(value);
  }
  return histogram;
}

export function sum(records, pick) {
  return records.reduce((total, record) => total + pick(record), 0);
}

/** Per-output-token time of one request, vLLM's TPOT: (e2e − ttft) / (n − 1). */
export function timePerOutputToken(record) {
  return record.completionTokens > 1 ? (record.e2eSeconds - record.ttftSeconds) / (record.completionTokens - 1) : undefined;
}

// The emulated tokenizer's vocabulary grows as texts are seen, so ids turn back into the exact
// text (engines' detokenize routes) within one emulator process. Each piece's JSON is kept too,
// for answers that echo prompt tokens.
const vocabulary = new Map();
const pieces = [];
const pieceJsons = [];

/**
 * Texts tokenized lately: a text that is one of them plus a word (a log-likelihood's context, then
 * the context with each answer) reuses the ids instead of splitting the whole text again. Words
 * never span the join, so the ids are those of the whole text.
 */
const recentIds = new Map();
const RECENT_TEXTS = 512;

/** Token ids of a text; the same piece always gets the same id. */
export function tokenIds(text) {
  let ids = recentIds.get(text);
  if (ids === undefined) {
    const lastWord = lastWordStart(text);
    const before = lastWord > 0 ? recentIds.get(text.slice(0, lastWord)) : undefined;
    ids = before === undefined ? tokenize(text).map(pieceId) : [...before, pieceId(text.slice(lastWord))];
    if (recentIds.size >= RECENT_TEXTS) recentIds.delete(recentIds.keys().next().value);
    recentIds.set(text, ids);
  }
  return ids.slice();
}

function pieceId(piece) {
  let id = vocabulary.get(piece);
  if (id === undefined) {
    id = pieces.length;
    vocabulary.set(piece, id);
    pieces.push(piece);
    pieceJsons.push(JSON.stringify(piece));
  }
  return id;
}

/** Where the text's last word starts, with the whitespace before it; 0 when it ends in whitespace or has one word. */
function lastWordStart(text) {
  let at = text.length;
  while (at > 0 && !/\s/.test(text[at - 1])) at--;
  if (at === text.length) return 0;
  while (at > 0 && /\s/.test(text[at - 1])) at--;
  return at;
}

/** The id of one token's text; whitespace alone, which the tokenizer drops, reads as 0. */
export function tokenId(token) {
  return tokenIds(token)[0] ?? 0;
}

/** The text of token ids (unknown ids read as nothing). */
export function detokenize(ids) {
  return ids.map((id) => pieces[id] ?? "").join("");
}

/** The tokens of a prompt sent as ids; `undefined` for an id the vocabulary does not hold. */
export function idPieces(ids) {
  const tokens = ids.map((id) => pieces[id]);
  return tokens.every((token) => token !== undefined) ? tokens : undefined;
}

/** The JSON of each token of a prompt sent as ids (all known: see `idPieces`). */
export function idPieceJsons(ids) {
  return ids.map((id) => pieceJsons[id]);
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** `11-22 07:30:01`, the stamp vLLM's logger prints. */
export function monthDayTime(date = new Date()) {
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `2025-11-22 07:30:01`, the stamp SGLang's logger prints. */
export function dateTime(date = new Date()) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function remoteOf(req) {
  return `${req.socket.remoteAddress ?? "127.0.0.1"}:${req.socket.remotePort ?? 0}`;
}

/** Uvicorn's access line; its reason phrase follows the status. */
export function uvicornAccess(req, res, url) {
  return `INFO:     ${remoteOf(req)} - "${req.method} ${url.pathname} HTTP/1.1" ${res.statusCode} ${res.statusMessage || ""}`.trimEnd();
}
