/** Small helpers for node:http handlers: JSON bodies, JSON/text answers, SSE and NDJSON streams. */

export class HttpError extends Error {
  constructor(status, message, type = "BadRequestError") {
    super(message);
    this.status = status;
    this.type = type;
  }
}

export async function readJson(req) {
  // Decoded once whole: a character split between two chunks stays one character.
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (!raw.trim()) return {};
  try {
    const body = JSON.parse(raw);
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    return body;
  } catch {
    throw new HttpError(400, "Request body is not valid JSON", "BadRequestError");
  }
}

/** The texts of the `RawJson` values met while `sendJson` writes a body; undefined at other times. */
let rawTexts;

/**
 * Text already in JSON form, put into a `sendJson` body as is: big generated parts (an echoed
 * prompt's log-probabilities) are written as text instead of as millions of small objects. While
 * `sendJson` writes, it stands in as a placeholder (NUL, which JSON writes escaped, then its
 * index); `toJSON` rather than a replacer function, which `JSON.stringify` would call for every
 * value of every body (each id of a tokenize answer).
 */
export class RawJson {
  constructor(text) {
    this.text = text;
  }

  toJSON() {
    return rawTexts === undefined ? JSON.parse(this.text) : `\u0000${rawTexts.push(this.text) - 1}`;
  }
}

export function sendJson(res, status, body, headers = {}) {
  const raw = (rawTexts = []);
  let text;
  try {
    text = JSON.stringify(body);
  } finally {
    rawTexts = undefined;
  }
  const bytes = Buffer.from(raw.length === 0 ? text : text.replace(/"\\u0000(\d+)"/g, (_match, index) => raw[Number(index)]));
  res.writeHead(status, { "content-type": "application/json", "content-length": bytes.length, ...headers });
  res.end(bytes);
}

export function sendText(res, status, text, contentType = "text/plain; charset=utf-8") {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Starts an event stream. */
export function startSse(res, headers = {}) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...headers });
  res.flushHeaders();
}

/** One event; `separator` is what follows `data:` (TGI writes none, most engines one space). */
export function writeSse(res, data, separator = " ") {
  res.write(`data:${separator}${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

export function startNdjson(res) {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  res.flushHeaders();
}

export function writeNdjson(res, value) {
  res.write(`${JSON.stringify(value)}\n`);
}

/** Waits `ms`; zero still yields to the event loop so every token is its own write. */
export function sleep(ms) {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

export function randomHex(length) {
  let out = "";
  while (out.length < length) out += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  return out.slice(0, length);
}

export function unixSeconds() {
  return Math.floor(Date.now() / 1000);
}
