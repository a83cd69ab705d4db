/**
 * Command-line options as data. A table per command family gives each option's flags, help,
 * default and parser (or choices) once; `addOptions` turns it into commander options and
 * `OptionsOf` into the type of what the command receives, so a flag, its type and its default
 * cannot drift apart.
 */
import { Option, type Command, type OptionValues } from "@commander-js/extra-typings";

export interface OptionSpec {
  /** Commander's flags: `-o, --output <dir>`, `--json`, `--no-store`. The table key is their attribute name. */
  flags: string;
  description: string;
  default?: unknown;
  /** How `--help` shows the default when that is not the value itself (`1h` for 3600 seconds). */
  defaultText?: string;
  /** Reads the value; a bad one throws commander's `InvalidArgumentError` (a usage error). Repeatable options get the previous value. */
  parse?: (value: string, previous: never) => unknown;
  choices?: readonly string[];
  mandatory?: true;
}

export type OptionTable = Record<string, OptionSpec>;

/** Keeps the table's literal types (choices, flags), which `OptionsOf` reads. */
export function defineOptions<const T extends OptionTable>(table: T): T {
  return table;
}

type ValueOf<S extends OptionSpec> = S extends { choices: readonly (infer C)[] }
  ? C
  : S extends { parse: (...args: never[]) => infer R }
    ? R
    : S["flags"] extends `${string}<${string}>`
      ? string
      : boolean;

/** Always set after parsing: a default, a mandatory value, or a `--no-` flag (true unless given). */
type AlwaysSet<S extends OptionSpec> = S extends { default: unknown } | { mandatory: true } ? true : S["flags"] extends `--no-${string}` ? true : false;

type Simplify<T> = { [K in keyof T]: T[K] };

/** The options a command receives from commander, defaults applied. */
export type OptionsOf<T extends OptionTable> = Simplify<
  { -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? K : never]: ValueOf<T[K]> } & {
    -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? never : K]?: ValueOf<T[K]>;
  }
>;

/** Adds the table's options to `command`, in the table's order. */
export function addOptions<Args extends unknown[], Opts extends OptionValues, T extends OptionTable>(
  command: Command<Args, Opts>,
  table: T,
): Command<Args, Simplify<Opts & OptionsOf<T>>> {
  for (const [key, spec] of Object.entries(table)) command.addOption(commanderOption(key, spec));
  return command as unknown as Command<Args, Simplify<Opts & OptionsOf<T>>>;
}

function commanderOption(key: string, spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  // The key is what the command reads; a key commander would not produce is a mistake in the table.
  if (option.attributeName() !== key) throw new Error(`option table: key '${key}' does not match ${spec.flags} ('${option.attributeName()}')`);
  if (spec.choices) option.choices(spec.choices);
  if (spec.parse) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
  // Commander prints a default as JSON, which shows Infinity as `null`; `inf` is what the flag takes.
  if (spec.default !== undefined) option.default(spec.default, spec.defaultText ?? (spec.default === Infinity ? "inf" : undefined));
  if (spec.mandatory) option.makeOptionMandatory();
  return option;
}

/** What a direct caller (a test, a script) gives: only the mandatory options are required; the command falls back on the table's defaults. */
export type OptionsInput<T extends OptionTable> = Simplify<
  { -readonly [K in keyof T as T[K] extends { mandatory: true } ? K : never]: ValueOf<T[K]> } & {
    -readonly [K in keyof T as T[K] extends { mandatory: true } ? never : K]?: ValueOf<T[K]>;
  }
>;
