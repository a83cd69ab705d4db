import { findCustomTests } from "../../bench/custom/registry.js";
import { BUILTIN_BENCHMARKS } from "../../bench/registry.js";
import { textTable } from "../../report/text-table.js";
import type { TEST_LIST_OPTIONS } from "../options/custom-tests.js";
import type { OptionsOf } from "../options/table.js";

/**
 * `kitt test list`: the built-in tests, the custom ones in `~/.kitt/tests` (or `--dir`), and
 * every custom file that does not load with its first error; a bad file never stops the list.
 */
export async function testListCommand(options: OptionsOf<typeof TEST_LIST_OPTIONS>): Promise<void> {
  const custom = await findCustomTests({ dir: options.dir });
  const builtin = [...BUILTIN_BENCHMARKS.values()].map((benchmark) => ({
    name: benchmark.name,
    category: benchmark.category,
    description: benchmark.description,
  }));
  const tests = custom.tests.map((test) => ({
    name: test.name,
    description: test.description,
    version: test.version,
    path: test.file,
    items: test.items.length,
    scoring: test.scoringTypes,
  }));
  const invalid = custom.invalid.map((entry) => ({ path: entry.path, error: entry.error }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ dir: custom.dir, builtin, custom: tests, invalid }, null, 2)}\n`);
    return;
  }
  const builtinTable = textTable({ head: ["built-in test", "category", "description"], colWidths: [22, 13, 70], wordWrap: true });
  for (const row of builtin) builtinTable.push([row.name, row.category, row.description]);
  process.stdout.write(`${builtinTable.toString()}\n`);
  if (tests.length === 0) {
    process.stdout.write(`\nNo custom tests in ${custom.dir} (create one with \`kitt test new NAME\`).\n`);
  } else {
    const customTable = textTable({ head: ["custom test", "items", "scoring", "path"] });
    for (const row of tests) customTable.push([row.name, row.items, row.scoring.join(", "), row.path]);
    process.stdout.write(`\nCustom tests in ${custom.dir}:\n${customTable.toString()}\n`);
  }
  if (invalid.length > 0) {
    process.stdout.write(`\nCustom test files that do not load (fix them to use them):\n`);
    for (const entry of invalid) process.stdout.write(`  ${entry.error}\n`);
  }
}
