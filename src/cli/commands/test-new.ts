import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BUILTIN_BENCHMARKS } from "../../bench/registry.js";
import { SCORING_TYPES } from "../../bench/custom/scoring.js";
import { testTemplate } from "../../bench/custom/template.js";
import { TEST_NAME_PATTERN } from "../../bench/custom/test-file.js";
import { testsDir } from "../../config/paths.js";
import { KittError } from "../../errors.js";
import { TEST_NEW_OPTIONS } from "../options/custom-tests.js";
import type { OptionsInput } from "../options/table.js";
import { success } from "../ui.js";

/** `kitt test new NAME`: writes a commented custom test to `~/.kitt/tests/NAME.yaml` (or `--dir`). */
export async function testNewCommand(name: string, options: OptionsInput<typeof TEST_NEW_OPTIONS>): Promise<void> {
  if (!TEST_NAME_PATTERN.test(name)) {
    throw new KittError("USAGE", `"${name}" is not a test name: use snake_case (lower-case letters, digits and _, starting with a letter)`);
  }
  if (BUILTIN_BENCHMARKS.has(name)) throw new KittError("USAGE", `"${name}" is a built-in test; choose another name`);
  const scoring = options.scoring ?? TEST_NEW_OPTIONS.scoring.default;
  if (!SCORING_TYPES.includes(scoring)) throw new KittError("USAGE", `unknown scoring type "${scoring}"; one of: ${SCORING_TYPES.join(", ")}`);
  const defaultDir = resolve(testsDir());
  const dir = resolve(options.dir ?? defaultDir);
  const file = join(dir, `${name}.yaml`);
  if (existsSync(file) && !options.force) {
    throw new KittError("USAGE", `${file} already exists; pass --force to overwrite it`);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(file, testTemplate(name, scoring), "utf8");
  success(`wrote ${file}`);
  // Tests in ~/.kitt/tests are found by name; anywhere else, by path.
  const suiteArg = dir === defaultDir ? name : file;
  process.stdout.write(
    [
      file,
      "",
      "Edit its description and items, check it with `kitt test list`, then run it:",
      `  kitt run -e ENGINE -m MODEL -s ${suiteArg}`,
      dir === defaultDir
        ? `or list "${name}" under \`tests:\` in a suite file, beside built-in tests.`
        : `To list it in suites by name, keep it in ${defaultDir}.`,
      "",
    ].join("\n"),
  );
}
