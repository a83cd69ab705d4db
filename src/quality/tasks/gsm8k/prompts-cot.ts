/**
 * GSM8K chain-of-thought (`gsm8k_cot`): the 8 fixed exemplars of Wei et al. as "Q: …\nA: … The
 * answer is N.", then "Q: {question}\nA:"; generation stops at "Q:"; the reference is the number
 * after "####".
 */
import type { Gsm8kData, Gsm8kDoc } from "./data.js";
import { pythonStrip } from "../../python-text.js";
import { buildPrompt, type Shot } from "../../prompts/prompt.js";
import type { GenerationTask } from "../../prompts/types.js";

export const GSM8K_COT_STOP = ["Q:", "</s>", "<|im_end|>"];

const EXEMPLARS: readonly [string, string][] = [
  [
    "There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?",
    "There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6.",
  ],
  [
    "If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
    "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5.",
  ],
  [
    "Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?",
    "Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39.",
  ],
  [
    "Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?",
    "Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8.",
  ],
  [
    "Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?",
    "Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9.",
  ],
  [
    "There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?",
    "There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29.",
  ],
  [
    "Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?",
    "Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33.",
  ],
  [
    "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
    "Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8.",
  ],
];

export function gsm8kCotDocToText(question: string): string {
  return `Q: ${question}\nA:`;
}

const SHOTS: readonly Shot[] = EXEMPLARS.map(([question, target]) => ({ text: gsm8kCotDocToText(question), target }));

/** `answer.split('####')[-1].strip()`. */
export function gsm8kFinalAnswer(answer: string): string {
  return pythonStrip(answer.split("####").at(-1)!);
}

export function createGsm8kCotTask(data: Gsm8kData, options: { documents?: readonly Gsm8kDoc[] } = {}): GenerationTask<Gsm8kDoc> {
  const context = (doc: Gsm8kDoc) => buildPrompt("", SHOTS, gsm8kCotDocToText(doc.question));
  return {
    name: "gsm8k_cot",
    documents: options.documents ?? data.test,
    context,
    generation: (doc) => ({ prompt: context(doc), stop: GSM8K_COT_STOP.slice(), reference: gsm8kFinalAnswer(doc.answer) }),
  };
}
