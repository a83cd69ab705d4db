import { KittError } from "../errors.js";

/** A `--since` value as epoch ms: a date or time (`2026-01-31`, ISO 8601) or an age (`7d`, `12h`, `30m`) before `now`. */
export function parseSince(value: string, now = Date.now()): number {
  const age = /^(\d+)([dhm])$/.exec(value);
  if (age) return now - Number(age[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[age[2] as "d" | "h" | "m"];
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new KittError("USAGE", `--since ${value}: give a date (2026-01-31) or an age (7d, 12h, 30m)`);
  return time;
}
