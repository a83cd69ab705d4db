/**
 * The harness's default few-shot sampler: one `random.Random(1234)` shared by the whole task,
 * drawing `rnd.sample(pool, n)` for each evaluated document in order. Document i's examples are
 * therefore the i-th draw of the full run; they are computed up to the highest position asked
 * for, so a sampled subset gets exactly the prompts the full run would.
 *
 * With `drawExtra` (the harness does this when the few-shot split equals the test split, which
 * includes both being unset, as for HellaSwag) it draws n + 1, drops the document itself and
 * keeps the first n.
 */
import { PythonRandom } from "../python-random.js";

export const FEWSHOT_SEED = 1234;

export class FewShotDraws<T> {
  private readonly random: PythonRandom;
  private readonly draws: T[][] = [];

  constructor(
    private readonly pool: readonly T[],
    private readonly shots: number,
    private readonly drawExtra = false,
    seed = FEWSHOT_SEED,
  ) {
    this.random = new PythonRandom(seed);
  }

  /** The examples for the document at `position` in the full evaluation order. */
  examplesFor(position: number, doc?: T): T[] {
    while (this.draws.length <= position) {
      this.draws.push(this.random.sample(this.pool, this.drawExtra ? this.shots + 1 : this.shots));
    }
    const drawn = this.draws[position]!;
    return drawn.filter((example) => example !== doc).slice(0, this.shots);
  }
}
