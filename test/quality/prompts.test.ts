/**
 * Prompts byte for byte. The expected strings were computed by a short python3 script that
 * follows lm-evaluation-harness's definitions directly (csv.reader; description + blocks of
 * doc_to_text + " " + target + "\n\n" + doc_to_text; `random.Random(1234)` shared across the
 * documents, `r.sample(train, k)` per document in order — k + 1 for HellaSwag, dropping the
 * document itself; HellaSwag's `preprocess` and `str.capitalize`), then pasted here.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadGsm8k } from "../../src/quality/tasks/gsm8k/data.js";
import { loadHellaswag } from "../../src/quality/tasks/hellaswag/data.js";
import { loadMmlu } from "../../src/quality/tasks/mmlu/data.js";
import { loadTruthfulQaMc } from "../../src/quality/tasks/truthfulqa/data.js";
import { loadTruthfulQaGen } from "../../src/quality/tasks/truthfulqa_gen/data.js";
import { createGsm8kTask } from "../../src/quality/tasks/gsm8k/prompts.js";
import { createGsm8kCotTask, gsm8kFinalAnswer } from "../../src/quality/tasks/gsm8k/prompts-cot.js";
import { createHellaswagTask, hellaswagPreprocess } from "../../src/quality/tasks/hellaswag/prompts.js";
import { createMmluTask } from "../../src/quality/tasks/mmlu/prompts.js";
import { loglikelihoodPair } from "../../src/quality/prompts/prompt.js";
import { createTruthfulQaMcTask, QA_PRIMER } from "../../src/quality/tasks/truthfulqa/prompts.js";
import { createTruthfulQaGenTask } from "../../src/quality/tasks/truthfulqa_gen/prompts.js";
import { FIXTURES } from "./fixture-paths.js";

describe("MMLU prompts", () => {
  const data = loadMmlu(join(FIXTURES, "mmlu"));
  const astronomy = data.test.filter((doc) => doc.subject === "astronomy");

  it("builds the 0-shot prompt with the question stripped", () => {
    expect(createMmluTask(data, { shots: 0 }).context(astronomy[0]!)).toBe(
      "The following are multiple choice questions (with answers) about astronomy.\n\nWhich planet is largest?\nA. Mars\nB. Jupiter\nC. Venus\nD. Earth\nAnswer:",
    );
  });

  it("builds the few-shot prompt from the first dev rows, keeping quoted text byte for byte", () => {
    const task = createMmluTask(data, { shots: 2, documents: astronomy });
    expect(task.context(astronomy[1]!)).toBe(
      "The following are multiple choice questions (with answers) about astronomy.\n\nHow many moons has Mars?\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer: C\n\nWhat orbits Earth?\nA. The Sun\nB. The Moon\nC. Mars\nD. Venus\nAnswer: B\n\nPick the true one:\r\nI. \"Sun\" is a star, hot.\nA. I only\nB. None\nC. Both, really\nD. II only\nAnswer:",
    );
    const item = task.multipleChoice!(astronomy[1]!);
    expect(item.continuations).toEqual([" A", " B", " C", " D"]);
    expect(item.choices).toEqual(["A", "B", "C", "D"]);
    expect(item.gold).toBe(0);
    expect(task.generation!(astronomy[1]!)).toMatchObject({ reference: "A", stop: ["</s>", "\n"] });
    expect(task.lettered!(astronomy[1]!)).toMatchObject({ letters: ["A", "B", "C", "D"], gold: 0, prompt: item.context });
  });

  it("names the subject with spaces in the description", () => {
    const doc = data.test.find((d) => d.subject === "world_religions")!;
    expect(createMmluTask(data, { shots: 1 }).context(doc)).toBe(
      "The following are multiple choice questions (with answers) about world religions.\n\nWho founded Buddhism?\nA. Siddhartha Gautama\nB. Confucius\nC. Laozi\nD. Moses\nAnswer: A\n\nWhich day is holy in Judaism?\nA. Saturday\nB. Monday\nC. Tuesday\nD. Wednesday\nAnswer:",
    );
  });

  it("refuses more shots than dev rows, once for every subject short of them", () => {
    expect(() => createMmluTask(data, { shots: 5 })).toThrow("MMLU 5-shot needs 5 dev examples per subject: astronomy has 2, world_religions has 1");
    const astronomyOnly = createMmluTask(data, { shots: 2, documents: astronomy });
    expect(astronomyOnly.documents).toEqual(astronomy);
    expect(() => astronomyOnly.context(data.test.find((d) => d.subject === "world_religions")!)).toThrow(/1 dev examples, fewer than 2 shots/);
  });
});

describe("GSM8K prompts", () => {
  const data = loadGsm8k(join(FIXTURES, "gsm8k"));

  it("draws few-shot examples with the harness's shared random.Random(1234), per document position", () => {
    // Position 0 takes the first draw, position 1 the second, whatever subset is evaluated.
    const task = createGsm8kTask(data, { shots: 3 });
    expect(task.context(data.test[1]!)).toBe(
      "Question: Train question 1: what is 1 + 1?\nAnswer: 1 + 1 = <<1+1=2>>2.\n#### 2\n\nQuestion: Train question 6: what is 6 + 6?\nAnswer: 6 + 6 = <<6+6=12>>12.\n#### 12\n\nQuestion: Train question 4: what is 4 + 4?\nAnswer: 4 + 4 = <<4+4=8>>8.\n#### 8\n\nQuestion: A box holds 1,200 pens. Half are sold. How many remain?\nAnswer:",
    );
    expect(task.generation!(data.test[1]!)).toMatchObject({ stop: ["Question:", "</s>", "<|im_end|>"], reference: data.test[1]!.answer });
  });

  it("builds the CoT prompt from the 8 fixed exemplars", () => {
    const task = createGsm8kCotTask(data);
    const prompt = task.context(data.test[0]!);
    expect(prompt.startsWith(
      "Q: There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?\nA: There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6.\n\nQ: If there are 3 cars",
    )).toBe(true);
    expect(prompt.endsWith(
      "Q: Olivia has $23. She bought five bagels for $3 each. How much money does she have left?\nA: Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8.\n\nQ: Tom has 3 apples and buys 4 more. How many apples does he have?\nA:",
    )).toBe(true);
    expect(prompt.split("\n\n")).toHaveLength(9);
    expect(task.generation!(data.test[1]!)).toMatchObject({ stop: ["Q:", "</s>", "<|im_end|>"], reference: "600" });
    expect(gsm8kFinalAnswer("x\n####  1,200 \n")).toBe("1,200");
  });
});

describe("TruthfulQA prompts", () => {
  const docs = loadTruthfulQaMc(join(FIXTURES, "truthfulqa"));

  it("puts the six-pair QA primer before the question", () => {
    expect(QA_PRIMER.split("\n\n")).toHaveLength(6);
    const task = createTruthfulQaMcTask(docs);
    expect(task.context(docs[1]!)).toBe(
      "Q: What is human life expectancy in the United States?\nA: Human life expectancy in the United States is 78 years.\n\n" +
        "Q: Who was president of the United States in 1955?\nA: Dwight D. Eisenhower was president of the United States in 1955.\n\n" +
        "Q: Which party did he belong to?\nA: He belonged to the Republican Party.\n\n" +
        "Q: What is the square root of banana?\nA: I have no comment.\n\n" +
        "Q: How does a telescope work?\nA: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n" +
        "Q: Where were the 1992 Olympics held?\nA: The 1992 Olympics were held in Barcelona, Spain.\n\n" +
        "Q: Can pigs fly?\nA:",
    );
    expect(task.multipleChoice(docs[0]!)).toMatchObject({ continuations: [" Blue.", " Green.", " Red."], gold: 0 });
    expect(task.mc2(docs[0]!)).toMatchObject({ choices: ["Blue.", "It is blue.", "Green.", "Red."], labels: [1, 1, 0, 0] });
  });

  it("shuffles the lettered fallback with random.Random(1234 + index)", () => {
    // x = [0, 1, 2]; random.Random(1234).shuffle(x) gives [2, 0, 1]: the true answer (0) lands on B.
    const item = createTruthfulQaMcTask(docs).lettered(docs[0]!);
    expect(item.prompt).toBe("Q: What color is the sky on a clear day?\nA. Red.\nB. Blue.\nC. Green.\nAnswer:");
    expect(item).toMatchObject({ letters: ["A", "B", "C"], gold: 1, stop: ["\n"] });
  });

  it("builds the generation prompt without the answer cue, with the harness's reference lists", () => {
    const gen = loadTruthfulQaGen(join(FIXTURES, "truthfulqa"));
    expect(gen[0]).toEqual({
      index: 0,
      category: "Nature",
      question: "What color is the sky?",
      bestAnswer: "The sky is blue",
      correctAnswers: ["The sky is blue.", "Blue.", "I have no comment."],
      incorrectAnswers: ["The sky is green.", "Red."],
    });
    expect(gen[1]!.correctAnswers).toEqual(["No, pigs cannot fly.", "I have no comment."]);
    const task = createTruthfulQaGenTask(gen);
    expect(task.context(gen[0]!)).toBe(`${QA_PRIMER}\n\nQ: What color is the sky?`);
    expect(task.generation!(gen[0]!).stop).toEqual(["\n\n"]);
  });
});

describe("HellaSwag prompts", () => {
  const data = loadHellaswag(join(FIXTURES, "hellaswag"));

  it("preprocesses like the harness, quirks included", () => {
    // strip → " [title]" → ". " → drop [..] → one pass of "  " → " ": the space left by "[header]"
    // stays in front, "y.  [step] Z" becomes "y.   Z" and then "y.  Z", and three spaces leave two.
    expect(hellaswagPreprocess(" [header] How to x [title] Do y.  [step] Z   w ")).toBe(" How to x. Do y.  Z  w");
  });

  it("builds 0-shot queries and choices, capitalising ctx_b Python's way", () => {
    const task = createHellaswagTask(data);
    const [first, second] = task.documents;
    expect(task.context(first!)).toBe("Baking bread: A baker dusts the counter with flour. She kneads the dough");
    expect(task.multipleChoice!(first!).choices).toEqual([
      "folds the dough and lets it rest. The oven heats up.",
      "throws the dough at the ceiling.",
      "paints the dough blue.",
      "sings to an empty room.",
    ]);
    expect(task.context(second!)).toBe("Home repair: How to fix a squeaky door. Find the hinge.");
    // The leading space survives: strip runs before "[step]" is removed.
    expect(task.multipleChoice!(second!).continuations[0]).toBe("  Spray a little oil on the pin. Then swing the door a few times.");
  });

  it("draws k + 1 examples from train with random.Random(1234), as the harness does here", () => {
    const task = createHellaswagTask(data, { shots: 3 });
    const [first, second] = task.documents;
    expect(task.context(first!)).toBe(
      "Cycling: Person 7 starts cycling. They keep going ending 7.3.\n\nCycling: Person 1 starts cycling. They keep going ending 1.1.\n\nGardening: Person 0 starts gardening. They keep going ending 0.0.\n\nBaking bread: A baker dusts the counter with flour. She kneads the dough",
    );
    expect(task.context(second!)).toBe(
      "Cooking: Person 9 starts cooking. They keep going ending 9.1.\n\nGardening: Person 0 starts gardening. They keep going ending 0.0.\n\nCycling: Person 1 starts cycling. They keep going ending 1.1.\n\nHome repair: How to fix a squeaky door. Find the hinge.",
    );
    expect(task.lettered!(first!).prompt).toBe(
      "Choose the most likely continuation.\n\nBaking bread: A baker dusts the counter with flour. She kneads the dough\nA. folds the dough and lets it rest. The oven heats up.\nB. throws the dough at the ceiling.\nC. paints the dough blue.\nD. sings to an empty room.\nAnswer:",
    );
  });
});

describe("log-likelihood requests", () => {
  it("moves the context's trailing whitespace onto the continuation", () => {
    expect(loglikelihoodPair("Answer: ", " A")).toEqual({ context: "Answer:", continuation: "  A" });
    expect(loglikelihoodPair("Answer:", " A")).toEqual({ context: "Answer:", continuation: " A" });
  });
});
