/** Parsers for command-line option values; a bad value is a usage error (exit 2) naming what was expected. */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import type { GoodputSlo } from "../../serve/metrics/serve-metrics.js";

export function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive integer");
  return parsed;
}

export function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return parsed;
}

export function port(value: string): number {
  const parsed = positiveInt(value);
  if (parsed > 65_535) throw new InvalidArgumentError("expected a port number (1-65535)");
  return parsed;
}

export function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive number of seconds");
  return parsed;
}

export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive number");
  return parsed;
}

export function fraction(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) throw new InvalidArgumentError("expected a number between 0 and 1");
  return parsed;
}

/** A request rate in requests per second, or `inf` for everything at once. */
export function rate(value: string): number {
  if (value === "inf") return Number.POSITIVE_INFINITY;
  return positiveNumber(value);
}

/** `auto` or a number of worker threads (0 keeps everything on the main thread). */
export function workers(value: string): "auto" | number {
  return value === "auto" ? "auto" : nonNegativeInt(value);
}

/** `50,90,99` → [50, 90, 99]. */
export function percentiles(value: string): readonly number[] {
  return value.split(",").map((part) => {
    const parsed = Number(part.trim());
    if (!Number.isFinite(parsed) || parsed <= 0 || parsed >= 100) throw new InvalidArgumentError(`'${part}' is not a percentile (0-100)`);
    return parsed;
  });
}

/** `ttft:500,tpot:50,e2el:2000` (milliseconds) → the SLO a good request meets. */
export function slo(value: string): GoodputSlo {
  const result: GoodputSlo = {};
  for (const part of value.split(",")) {
    const [name, ms] = part.split(":").map((s) => s.trim());
    const parsed = Number(ms);
    if ((name !== "ttft" && name !== "tpot" && name !== "e2el") || !Number.isFinite(parsed) || parsed <= 0) {
      throw new InvalidArgumentError(`'${part}' is not NAME:MS with NAME one of ttft, tpot, e2el`);
    }
    result[name] = parsed;
  }
  return result;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `a,b , c` → `["a", "b", "c"]`; empty names are a usage error. */
export function commaList(value: string): string[] {
  const names = value.split(",").map((name) => name.trim());
  if (names.some((name) => name === "")) throw new InvalidArgumentError("expected names separated by commas");
  return names;
}

/** An `http://` or `https://` URL. */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected an http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("expected an http(s) URL");
  return value;
}

/** A duration: `90s`, `30m`, `1h`, `2d`, or plain seconds; returns seconds. */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim());
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match?.[2] ?? ""] ?? 1;
  const seconds = match ? Number(match[1]) * unit : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("expected a duration such as 90s, 30m, 1h or 2d");
  return Math.round(seconds);
}
