/** The commented starting point `kitt test new` writes, one per scoring type; each loads as it is. */
import type { ScoringType } from "./scoring.js";

const SCORING_BLOCKS: Record<ScoringType, { prompt_template: string; max_tokens: number; scoring: string; items: string }> = {
  exact: {
    prompt_template: "Question: {prompt}\\nAnswer with one word.\\nAnswer:",
    max_tokens: 16,
    scoring: `scoring:
  type: exact               # the stripped output must equal \`expected\`
  ignore_case: true
  normalize_whitespace: false   # true: every run of whitespace compares as one space`,
    items: `items:
  - prompt: What is the capital of France?
    expected: Paris
  - prompt: What colour is a clear daytime sky?
    expected: blue`,
  },
  regex: {
    prompt_template: "{prompt}\\nEnd your answer with: Answer: <word>",
    max_tokens: 128,
    scoring: `scoring:
  type: regex               # JavaScript syntax
  pattern: "Answer:\\\\s*(\\\\w+)"
  flags: ""                 # any of i, m, s, u
  extract: 1                # compare this capture group of the first match with \`expected\`
  ignore_case: true
  # Without \`extract\` the pattern only has to match; without \`pattern\`, each item's
  # \`expected\` is the pattern its output must match.`,
    items: `items:
  - prompt: Which planet is closest to the Sun?
    expected: Mercury
  - prompt: Name a common pet that barks.
    expected: dog
  - prompt: Write a greeting.
    scoring: {type: regex, pattern: "\\\\b(hello|hi)\\\\b", flags: i}   # this item only: the pattern must match`,
  },
  contains: {
    prompt_template: "{prompt}",
    max_tokens: 128,
    scoring: `scoring:
  type: contains            # the output must contain \`expected\` (a string, or a list)
  mode: all                 # with a list: all of them, or any
  ignore_case: true`,
    items: `items:
  - prompt: Name the three primary colours of light.
    expected: [red, green, blue]
  - prompt: Who wrote Hamlet?
    expected: Shakespeare`,
  },
  numeric: {
    prompt_template: "{prompt}\\nGive the final answer as a number.",
    max_tokens: 128,
    scoring: `scoring:
  type: numeric             # the last number in the output (commas and $ understood)
  tolerance: 0              # absolute difference allowed
  relative_tolerance: 0.01  # or this fraction of \`expected\`; boundaries count as right
  # pattern: "Answer:\\\\s*(\\\\S+)"   # read the number from group 1 of this match instead`,
    items: `items:
  - prompt: What is 12 times 12?
    expected: 144
  - prompt: How many metres are in 2.5 kilometres?
    expected: 2500`,
  },
  json_schema: {
    prompt_template: "{prompt}\\nReply with JSON only.",
    max_tokens: 256,
    scoring: `scoring:
  type: json_schema         # the output (or its first \`\`\`json fence) must be JSON matching the schema
  schema:
    type: object
    properties:
      name: {type: string}
      age: {type: integer, minimum: 0}
    required: [name, age]`,
    items: `items:
  - prompt: 'Describe a person called Ada, aged 36, as {"name": ..., "age": ...}.'
  - prompt: 'Describe a person called Alan, aged 41, as {"name": ..., "age": ...}.'`,
  },
  choice: {
    prompt_template: "{prompt}\\n{choices}\\nAnswer with the letter of the right choice.\\nAnswer:",
    max_tokens: 16,
    scoring: `scoring:
  type: choice              # the first choice (or letter) in the output, any case, is the answer
  choices: [Paris, London, Berlin, Madrid]
  letters: true             # A, B, C, D count as the choices at those places; {choices} lists them`,
    items: `items:
  - prompt: Which city is the capital of France?
    expected: Paris         # a choice, or its letter (A)
  - prompt: Which city is the capital of Spain?
    expected: D
  - prompt: Is water wet?
    scoring: {choices: ["yes", "no"], letters: false}   # this item's own choices
    expected: "yes"`,
  },
};

export function testTemplate(name: string, scoring: ScoringType): string {
  const block = SCORING_BLOCKS[scoring];
  return `# A kitt custom test. Run it on its own:   kitt run -e ENGINE -m MODEL -s ${name}
# or list "${name}" under \`tests:\` in a suite file, beside built-in tests.
# Each item's prompt is sent to the engine and its output scored; the test's \`score\` is the
# share of items that passed. \`kitt test list\` checks this file.
name: ${name}
description: TODO say what this test checks
version: "1"

# Optional: a system message (chat APIs; completion APIs get it as the first line of the prompt).
# system_prompt: You are a careful assistant. Answer briefly.

# Optional: how each item's prompt is built; {prompt} and the keys of an item's \`vars\` fill it.
prompt_template: "${block.prompt_template}"

sampling:
  temperature: 0            # greedy
  max_tokens: ${block.max_tokens}
  stop: ["\\n\\n"]

# How outputs are scored: exact, regex, contains, numeric, json_schema or choice.
# An item's own \`scoring:\` replaces this when it names a \`type\`, else changes the keys it names.
${block.scoring}

${block.items}

# Items can also live in a JSON Lines file beside this one (one {"prompt": ..., "expected": ...}
# per line; "id", "vars" and "scoring" as above):
# items_file: ${name}.jsonl
`;
}
