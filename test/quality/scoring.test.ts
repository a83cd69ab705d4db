/** Scoring parity with lm-evaluation-harness, on hand-worked examples (arithmetic in the comments). */
import { describe, expect, it } from "vitest";
import { exactMatch, normalizeForExactMatch } from "../../src/quality/scoring/exact-match.js";
import { GSM8K_EXACT_MATCH, gsm8kExtract, scoreGsm8k } from "../../src/quality/tasks/gsm8k/scoring.js";
import { firstLine, generatedLetterAcc, letterLogprobs, topKLetterAcc } from "../../src/quality/scoring/letters.js";
import { aggregateMmlu, mmluBreakdownMetrics } from "../../src/quality/tasks/mmlu/aggregate.js";
import { acc, accNorm, mc2 } from "../../src/quality/scoring/multiple-choice.js";
import { pythonFindall, pythonRemove } from "../../src/quality/scoring/python-regex.js";
import { INVALID, regexFilter } from "../../src/quality/scoring/regex-filter.js";
import { meanStderr, summarize } from "../../src/quality/scoring/summary.js";
import type { QualityPlan } from "../../src/quality/run/plan.js";
import { qualityMetrics } from "../../src/quality/run/report.js";

describe("acc and acc_norm", () => {
  // Choices " cat" / " elephant" with log-likelihoods −4 and −6.
  // acc: argmax(−4, −6) = 0. acc_norm: −4/3 = −1.333 vs −6/8 = −0.75 → argmax = 1.
  it("take the argmax of raw and length-normalised log-likelihoods", () => {
    expect(acc([-4, -6], 0)).toBe(1);
    expect(accNorm([-4, -6], ["cat", "elephant"], 0)).toBe(0);
    expect(accNorm([-4, -6], ["cat", "elephant"], 1)).toBe(1);
  });

  it("break ties toward the first choice, like np.argmax", () => {
    expect(acc([-1, -1], 0)).toBe(1);
    expect(acc([-1, -1], 1)).toBe(0);
  });

  it("count characters as Python does (code points)", () => {
    // "😀x" is 2 code points: −3/2 = −1.5 beats −2/1 = −2.
    expect(accNorm([-3, -2], ["😀x", "y"], 0)).toBe(1);
  });

  it("refuse a log-likelihood count that does not match the choices", () => {
    expect(() => accNorm([-1], ["a", "b"], 0)).toThrow(/1 log-likelihoods for 2 choices/);
  });
});

describe("mc2", () => {
  it("is the normalised probability mass of the true answers", () => {
    // p = exp(ln 0.5), exp(ln 0.2), exp(ln 0.2) = 0.5, 0.2, 0.2 → (0.5 + 0.2) / 0.9 = 0.7777…
    expect(mc2([Math.log(0.5), Math.log(0.2), Math.log(0.2)], [1, 1, 0])).toBeCloseTo(7 / 9, 12);
  });

  it("survives log-likelihoods that underflow exp()", () => {
    // exp(−1000) is 0 in floating point; with log-sum-exp: 1 / (1 + e^−1) = 0.7310585786…
    expect(mc2([-1000, -1001], [1, 0])).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  it("counts every answer labelled true, also one listed after a false answer, as the harness does", () => {
    // Labels [1, 0, 1]: the first and the last are true. p = 0.2, 0.3, 0.5 → (0.2 + 0.5) / 1.0.
    expect(mc2([Math.log(0.2), Math.log(0.3), Math.log(0.5)], [1, 0, 1])).toBeCloseTo(0.7, 12);
    expect(() => mc2([-1, -2], [0, 0])).toThrow(/at least one true answer/);
  });

  it("with uniform probabilities is the share of true answers", () => {
    expect(mc2([-2, -2, -2, -2], [1, 0, 0, 0])).toBeCloseTo(0.25, 12);
  });
});

describe("Python regex semantics", () => {
  it("translates (?s), \\$ and Python's $ (which also matches before a final newline)", () => {
    expect(pythonRemove("(?s).*#### ", "step one\nstep two\n#### 1,234")).toBe("1,234");
    // Without (?s), "." stops at newlines: only the last line's prefix goes.
    expect(pythonRemove(".*#### ", "a\nb #### 5")).toBe("a\n5");
    expect(pythonRemove("\\$", "$1$")).toBe("1");
    expect(pythonRemove("\\.$", "42.")).toBe("42");
    expect(pythonRemove("\\.$", "42.\n")).toBe("42\n");
    expect(pythonRemove("\\.$", "4.2")).toBe("4.2");
  });

  it("returns re.findall's shapes: whole match, one group, or every group", () => {
    expect(pythonFindall("[0-9]+", "a1b22")).toEqual(["1", "22"]);
    expect(pythonFindall("#(\\d)", "#1 #2")).toEqual(["1", "2"]);
    expect(pythonFindall("(a)|(b)", "ab")).toEqual([
      ["a", ""],
      ["", "b"],
    ]);
  });
});

describe("regex filter", () => {
  it("takes the selected match, the first non-empty group, stripped; [invalid] when nothing matches", () => {
    expect(regexFilter("x #### 12 and #### 13", "#### (\\-?[0-9\\.\\,]+)")).toBe("12");
    expect(regexFilter("x #### 12 and #### 13", "#### (\\-?[0-9\\.\\,]+)", -1)).toBe("13");
    expect(regexFilter("no number", "#### (\\-?[0-9\\.\\,]+)")).toBe(INVALID);
    // Two groups: the single digit "7" can only match the second.
    expect(regexFilter("costs 7", "(-?[$0-9.,]{2,})|(-?[0-9]+)", -1)).toBe("7");
  });
});

describe("exact_match", () => {
  it("applies regexes, then lower-case, then removes string.punctuation", () => {
    expect(exactMatch("The Answer!", "the answer", { ignoreCase: true, ignorePunctuation: true })).toBe(1);
    expect(exactMatch("The Answer!", "the answer", { ignoreCase: true })).toBe(0);
    expect(exactMatch("The Answer", "the answer")).toBe(0);
    expect(normalizeForExactMatch(`a!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~b`, { ignorePunctuation: true })).toBe("ab");
  });

  it("reduces a GSM8K reference to its number with the task's regexes", () => {
    // "," gone, "$" gone, everything through "#### " gone, a final "." gone.
    expect(normalizeForExactMatch("Half: <<1200/2=600>>600.\n#### 1,200", GSM8K_EXACT_MATCH)).toBe("1200");
    expect(normalizeForExactMatch("$1,200.", GSM8K_EXACT_MATCH)).toBe("1200");
  });

  it("scores MMLU's generative letters: 'A.' is right, 'A. 0' is not", () => {
    expect(generatedLetterAcc(" A.\nB", "A")).toBe(1);
    expect(generatedLetterAcc("a", "A")).toBe(1);
    expect(generatedLetterAcc("A. 0", "A")).toBe(0);
    expect(firstLine("  B  \nmore")).toBe("B");
    expect(firstLine("")).toBe("");
  });
});

describe("GSM8K filters", () => {
  const reference = "Tom has 3 + 4 = <<3+4=7>>7 apples.\n#### 7";

  it("strict-match needs '#### N'; flexible-extract takes the last number", () => {
    const response = " 3 + 4 = 7 apples. So 7.\n#### 7";
    expect(gsm8kExtract(response, "strict-match")).toBe("7");
    expect(scoreGsm8k(response, reference, "strict-match")).toBe(1);
    // Flexible: findall over "(-?[$0-9.,]{2,})|(-?[0-9]+)" ends with ("", "7") → "7".
    expect(scoreGsm8k(response, reference, "flexible-extract")).toBe(1);
    const loose = "He has 7 apples.";
    expect(gsm8kExtract(loose, "strict-match")).toBe(INVALID);
    expect(scoreGsm8k(loose, reference, "strict-match")).toBe(0);
    // "7" is one character, so only group 2 takes it; a lone "." is too short for group 1 → "7".
    expect(scoreGsm8k(loose, reference, "flexible-extract")).toBe(1);
  });

  it("normalises dollars, thousands separators and a final period on both sides", () => {
    // Flexible extract of "... $1,200." is "$1,200." → regexes → "1200"; the reference → "1200".
    expect(scoreGsm8k("The total is $1,200.", "x\n#### 1,200", "flexible-extract")).toBe(1);
    expect(scoreGsm8k("#### -5.", "x\n#### -5", "strict-match")).toBe(1);
  });

  it("CoT strict-match reads 'The answer is N.'", () => {
    const response = "There are 3 + 4 = 7. The answer is 7.\n\n";
    expect(gsm8kExtract(response, "strict-match", true)).toBe("7");
    expect(scoreGsm8k(response, "7", "strict-match", true)).toBe(1);
    expect(scoreGsm8k("So 7 apples.", "7", "strict-match", true)).toBe(0);
  });
});

describe("first-token top-k letters", () => {
  const top = [
    { token: " B", logprob: -0.2 },
    { token: "A", logprob: -1.9 },
    { token: "B", logprob: -3 },
    { token: "The", logprob: -2.5 },
  ];

  it("takes each letter's best entry, trimmed, and −∞ for letters not listed", () => {
    expect(letterLogprobs(top, ["A", "B", "C", "D"])).toEqual([-1.9, -0.2, -Infinity, -Infinity]);
    expect(topKLetterAcc(top, ["A", "B", "C", "D"], 1)).toBe(1);
    expect(topKLetterAcc(top, ["A", "B", "C", "D"], 0)).toBe(0);
  });

  it("scores 0 when no letter appears at all", () => {
    expect(topKLetterAcc([{ token: "The", logprob: -0.1 }], ["A", "B", "C", "D"], 0)).toBe(0);
  });
});

describe("standard error and aggregation", () => {
  it("is the sample standard deviation (ddof 1) over √n", () => {
    // [1, 0, 1, 1]: mean 0.75; Σ(x − 0.75)² = 3·0.0625 + 0.5625 = 0.75; /3 = 0.25; sd 0.5; /√4 = 0.25.
    expect(meanStderr([1, 0, 1, 1])).toBeCloseTo(0.25, 12);
    expect(summarize("acc", "loglikelihood", [1, 0, 1, 1])).toEqual({ metric: "acc", method: "loglikelihood", value: 0.75, stderr: 0.25, count: 4 });
    expect(meanStderr([1])).toBeNaN();
  });

  it("micro-averages MMLU overall and reports subjects and categories", () => {
    const categories = new Map([
      ["anatomy", "stem" as const],
      ["philosophy", "humanities" as const],
    ]);
    // anatomy 1/1, philosophy 1/3 → subject mean would be 0.667, the micro-average is 2/4 = 0.5.
    const result = aggregateMmlu(
      [
        { subject: "anatomy", score: 1 },
        { subject: "philosophy", score: 1 },
        { subject: "philosophy", score: 0 },
        { subject: "philosophy", score: 0 },
      ],
      categories,
      "acc",
      "top_k_letters",
    );
    expect(result.overall.value).toBe(0.5);
    expect(result.overall.method).toBe("top_k_letters");
    expect(result.subjects.philosophy!.value).toBeCloseTo(1 / 3, 12);
    expect(result.categories.stem!.value).toBe(1);
    expect(result.categories.humanities!.count).toBe(3);
  });

  it("pools the subjects' variances for the category and overall standard errors, as the harness's groups do", () => {
    const subjects: Record<string, { category: "stem" | "humanities"; scores: number[] }> = {
      anatomy: { category: "stem", scores: [1, 1, 0, 1, 0] },
      astronomy: { category: "stem", scores: [1, 0, 0, 0, 0, 0, 1, 1] },
      philosophy: { category: "humanities", scores: [1, 1, 1, 0] },
      world_religions: { category: "humanities", scores: [0, 1, 0, 1, 1, 1] },
    };
    // The harness: each subject's stderr = sample sd (ddof 1) / √n; a group's is
    // pooled_sample_stderr: √( Σ (nᵢ − 1)·seᵢ²·nᵢ / (N − k) / N ).
    const subjectStderr = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) / Math.sqrt(xs.length);
    };
    const pooled = (names: string[]) => {
      const sizes = names.map((name) => subjects[name]!.scores.length);
      const stderrs = names.map((name) => subjectStderr(subjects[name]!.scores));
      const total = sizes.reduce((a, b) => a + b, 0);
      const variance = sizes.reduce((sum, n, i) => sum + (n - 1) * stderrs[i]! ** 2 * n, 0) / (total - names.length);
      return Math.sqrt(variance / total);
    };
    const categories = new Map(Object.entries(subjects).map(([name, { category }]) => [name, category]));
    const scores = Object.entries(subjects).flatMap(([subject, { scores }]) => scores.map((score) => ({ subject, score })));
    const result = aggregateMmlu(scores, categories, "acc", "loglikelihood");

    expect(result.overall.stderr).toBeCloseTo(pooled(Object.keys(subjects)), 12);
    expect(result.categories.stem!.stderr).toBeCloseTo(pooled(["anatomy", "astronomy"]), 12);
    expect(result.categories.humanities!.stderr).toBeCloseTo(pooled(["philosophy", "world_religions"]), 12);
    expect(result.subjects.anatomy!.stderr).toBeCloseTo(subjectStderr(subjects.anatomy!.scores), 12);
    // Not the standard error over all questions at once.
    expect(Math.abs(result.overall.stderr - meanStderr(scores.map((s) => s.score)))).toBeGreaterThan(1e-4);
    expect(result.overall.value).toBeCloseTo(13 / 23, 12);
    // The run's metrics carry the same: overall acc_stderr and per_category.
    const plan: QualityPlan = {
      task: "mmlu_5shot",
      method: "loglikelihood",
      prompt: "harness",
      metrics: ["acc"],
      items: [],
      breakdown: (records) => mmluBreakdownMetrics(records, categories, "acc", "loglikelihood"),
    };
    const records = scores.map(({ subject, score }, i) => ({ key: String(i), subject, scores: { acc: score }, detail: {} }));
    const metrics = qualityMetrics(plan, records);
    expect(metrics.acc).toBeCloseTo(13 / 23, 12);
    expect(metrics.acc_stderr).toBeCloseTo(pooled(Object.keys(subjects)), 12);
    expect((metrics.per_category as Record<string, { acc_stderr: number }>).stem!.acc_stderr).toBeCloseTo(pooled(["anatomy", "astronomy"]), 12);
    // A subject with one question has no stderr, so neither has its group (the harness's N/A).
    const single = aggregateMmlu([...scores, { subject: "virology", score: 1 }], new Map([...categories, ["virology", "stem" as const]]), "acc", "loglikelihood");
    expect(single.categories.stem!.stderr).toBeNaN();
    expect(single.categories.humanities!.stderr).toBeCloseTo(pooled(["philosophy", "world_religions"]), 12);
  });
});
