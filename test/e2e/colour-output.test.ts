/**
 * Tables and lines follow one colour rule: colour codes only on a terminal (or when forced),
 * never when output is piped, and never with NO_COLOR — whatever the table library would do.
 */
import { describe, expect, it } from "vitest";
import { runKitt, tempKittHome } from "../support/cli.js";

const ESC = "\x1b[";
const home = tempKittHome();
// No CI variable: picocolors (rightly) colours CI logs; these runs are a person's pipe.
const piped = { KITT_HOME: home, CI: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "xterm-256color" };

describe("colour in printed tables", () => {
  it("a piped table has no colour codes, with or without NO_COLOR", async () => {
    for (const args of [["engines", "list"], ["test", "list"]]) {
      const plain = await runKitt(args, piped);
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toContain("┌");
      expect(plain.stdout.includes(ESC), args.join(" ")).toBe(false);
      const noColor = await runKitt(args, { ...piped, NO_COLOR: "1", CI: "true" });
      expect(noColor.stdout.includes(ESC), `${args.join(" ")} with NO_COLOR`).toBe(false);
    }
  });

  it("FORCE_COLOR still colours a table's header", async () => {
    const forced = await runKitt(["engines", "list"], { ...piped, FORCE_COLOR: "1" });
    expect(forced.stdout).toContain(`${ESC}1mengine`);
  });
});
