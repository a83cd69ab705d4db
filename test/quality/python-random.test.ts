import { describe, expect, it } from "vitest";
import { PythonRandom } from "../../src/quality/python-random.js";

// Expected values printed by CPython 3.11:
//   r = random.Random(1234); [r.getrandbits(32) for _ in range(3)]
//   s = random.Random(1234); s.sample(range(7473), 5); s.sample(range(7473), 5); s.sample(range(10), 4)
//   x = list(range(9)); s.shuffle(x); s.sample(range(39905), 10)
//   random.Random(2**40 + 5).randrange(1000); random.Random(0).randrange(100); random.Random(-7).randrange(100)
describe("PythonRandom", () => {
  it("matches CPython's Mersenne Twister for seed 1234", () => {
    const r = new PythonRandom(1234);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([4150886329, 3342196574, 1892932127]);
  });

  it("reproduces random.sample (both branches) and shuffle in sequence", () => {
    const s = new PythonRandom(1234);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(s.sample(range(7473), 5)).toEqual([6374, 3610, 957, 61, 742]);
    expect(s.sample(range(7473), 5)).toEqual([7462, 6610, 4769, 286, 5501]);
    expect(s.sample(range(10), 4)).toEqual([1, 9, 5, 8]);
    expect(s.shuffle(range(9))).toEqual([5, 1, 4, 3, 2, 7, 6, 8, 0]);
    expect(s.sample(range(39905), 10)).toEqual([9735, 5982, 11999, 7498, 958, 32970, 31899, 16372, 4231, 35460]);
  });

  it("seeds from multi-word, zero and negative integers like Python", () => {
    expect(new PythonRandom(2n ** 40n + 5n).randbelow(1000)).toBe(516);
    expect(new PythonRandom(0).randbelow(100)).toBe(49);
    expect(new PythonRandom(-7).randbelow(100)).toBe(41);
  });

  it("rejects samples larger than the population", () => {
    expect(() => new PythonRandom(1).sample([1, 2], 3)).toThrow(RangeError);
  });
});
