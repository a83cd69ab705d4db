/**
 * `/devon-app/*`: a reverse proxy to Devon, so the dashboard's Devon tab works without the
 * browser ever holding Devon's API key. The browser's own credentials (Authorization, Cookie)
 * stay here; the key is added on the way out; hop-by-hop headers are dropped both ways; Devon
 * cannot set cookies on kitt's origin; redirects into Devon are rewritten to stay under the
 * proxy. Bodies stream through; a browser that goes away cancels the upstream request.
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Context } from "hono";
import { request } from "undici";
import { engineAgent } from "../../protocols/http/connection-pools.js";
import { unansweredFailure } from "../../protocols/http/request-failures.js";
import type { EffectiveSettings } from "../settings/effective-settings.js";

export const DEVON_PROXY_PREFIX = "/devon-app";

export interface DevonTimeouts {
  /** Until Devon's answer headers arrive: a download is answered only when it is done. */
  headersMs: number;
  /** Longest silence inside a body. */
  bodyMs: number;
}

export const DEFAULT_DEVON_TIMEOUTS: DevonTimeouts = { headersMs: 30 * 60_000, bodyMs: 60_000 };

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade"];
/** Not passed on to Devon: hop-by-hop, the browser's credentials for kitt, and what undici sets itself. */
const NOT_SENT_UP = new Set([...HOP_BY_HOP, "host", "authorization", "cookie", "content-length", "expect"]);
/** Not passed back to the browser: hop-by-hop, and cookies Devon would set on kitt's origin. */
const NOT_SENT_DOWN = new Set([...HOP_BY_HOP, "set-cookie"]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export const DEVON_URL_UNSET = "no Devon URL is set: save devon_url in Settings (PUT /api/v1/settings) or set DEVON_URL";

/** Forwards one request to Devon and streams its answer back. */
export async function proxyToDevon(c: Context, settings: EffectiveSettings, timeouts: DevonTimeouts): Promise<Response> {
  const devonUrl = settings.devonUrl.value;
  if (devonUrl === undefined) return c.json({ error: settings.devonUrl.problem ?? DEVON_URL_UNSET }, 404);
  const key = settings.devonApiKey.value;
  const target = targetUrl(devonUrl, c.req.url);
  const method = c.req.method;
  const hasBody = method !== "GET" && method !== "HEAD" && c.req.raw.body !== null;

  let upstream: Awaited<ReturnType<typeof request>>;
  try {
    upstream = await request(target, {
      method: method as "GET",
      headers: upstreamHeaders(c.req.raw.headers, key),
      body: hasBody ? Readable.fromWeb(c.req.raw.body as NodeReadableStream) : undefined,
      dispatcher: engineAgent(timeouts.headersMs, timeouts.bodyMs),
      signal: c.req.raw.signal,
    });
  } catch (error) {
    const timedOut = (error as { code?: string }).code === "UND_ERR_HEADERS_TIMEOUT";
    const reason = timedOut ? `Devon at ${devonUrl} gave no answer within ${timeouts.headersMs / 1000} s` : unansweredFailure({ who: "Devon", name: "Devon", where: devonUrl }, error).message;
    return c.json({ error: scrub(reason, key) }, timedOut ? 504 : 502);
  }

  const headers = downstreamHeaders(upstream.headers, devonUrl, key);
  if (method === "HEAD" || NULL_BODY_STATUSES.has(upstream.statusCode)) {
    await upstream.body.dump().catch(() => undefined);
    return new Response(null, { status: upstream.statusCode, headers });
  }
  return new Response(Readable.toWeb(upstream.body) as ReadableStream, { status: upstream.statusCode, headers });
}

/** Devon's URL for a request to `/devon-app/REST?QUERY`: always on Devon's origin, under its base path. */
export function targetUrl(devonUrl: string, requestUrl: string): URL {
  const base = new URL(devonUrl);
  const incoming = new URL(requestUrl);
  const rest = incoming.pathname.slice(DEVON_PROXY_PREFIX.length) || "/";
  const target = new URL(base.origin);
  target.pathname = `${base.pathname.replace(/\/$/, "")}${rest}`;
  target.search = incoming.search;
  return target;
}

function upstreamHeaders(incoming: Headers, key: string | undefined): Record<string, string> {
  const listed = connectionListed(incoming.get("connection"));
  const headers: Record<string, string> = {};
  incoming.forEach((value, name) => {
    if (!NOT_SENT_UP.has(name) && !listed.has(name)) headers[name] = value;
  });
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  return headers;
}

function downstreamHeaders(incoming: Record<string, string | string[] | undefined>, devonUrl: string, key: string | undefined): Headers {
  const connection = incoming.connection;
  const listed = connectionListed(Array.isArray(connection) ? connection.join(",") : (connection ?? null));
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    const lower = name.toLowerCase();
    if (value === undefined || NOT_SENT_DOWN.has(lower) || listed.has(lower)) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      // Devon has no reason to echo its key; if it ever does, that header stays here.
      if (key !== undefined && one.includes(key)) continue;
      headers.append(name, lower === "location" ? proxiedLocation(one, devonUrl) : one);
    }
  }
  return headers;
}

/** A redirect to somewhere in Devon points at the same place under the proxy. */
function proxiedLocation(location: string, devonUrl: string): string {
  const base = new URL(devonUrl);
  if (!URL.canParse(location, devonUrl)) return location;
  const to = new URL(location, devonUrl);
  const basePath = base.pathname.replace(/\/$/, "");
  if (to.origin !== base.origin || !(to.pathname === basePath || to.pathname.startsWith(`${basePath}/`))) return location;
  return `${DEVON_PROXY_PREFIX}${to.pathname.slice(basePath.length) || "/"}${to.search}${to.hash}`;
}

function connectionListed(value: string | null): Set<string> {
  return new Set((value ?? "").split(",").map((name) => name.trim().toLowerCase()).filter(Boolean));
}

function scrub(text: string, key: string | undefined): string {
  return key === undefined ? text : text.replaceAll(key, "<key>");
}
