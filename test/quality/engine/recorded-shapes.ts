/**
 * Engine answers in the shapes the real engines send (engines.md, and llama-server b1-de3ff81 for
 * llama.cpp), trimmed to the fields kitt reads. The prompt is "Answer: A" split as a Llama
 * tokenizer would: BOS, "Answer", ":", " A".
 */

export const VLLM_ECHO = {
  id: "cmpl-1",
  object: "text_completion",
  choices: [
    {
      index: 0,
      text: "Answer: A\n",
      logprobs: {
        text_offset: [0, 0, 6, 7, 9],
        token_logprobs: [null, -5.5, -0.25, -1.5, -0.75],
        tokens: ["<s>", "Answer", ":", " A", "\n"],
        top_logprobs: [null, { Answer: -5.5, The: -2.0 }, { ":": -0.25 }, { " B": -0.5, " A": -1.5 }, { "\n": -0.75 }],
      },
      finish_reason: "length",
    },
  ],
  usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
};

export const SGLANG_GENERATE = {
  text: "\n",
  meta_info: {
    id: "abc",
    prompt_tokens: 4,
    completion_tokens: 1,
    input_token_logprobs: [
      [null, 1, "<s>"],
      [-5.5, 673, "Answer"],
      [-0.25, 29901, ":"],
      [-1.5, 319, " A"],
    ],
    input_top_logprobs: [null, [[-2.0, 450, "The"]], [[-0.25, 29901, ":"]], [[-1.5, 319, " A"]]],
    output_token_logprobs: [[-0.75, 13, "\n"]],
  },
};

export const TGI_GENERATE = {
  generated_text: "\n",
  details: {
    finish_reason: "length",
    generated_tokens: 1,
    seed: null,
    prefill: [
      { id: 1, text: "<s>", logprob: null },
      { id: 673, text: "Answer", logprob: -5.5 },
      { id: 29901, text: ":", logprob: -0.25 },
      { id: 319, text: " A", logprob: -1.5 },
    ],
    tokens: [{ id: 13, text: "\n", logprob: -0.75, special: false }],
    top_tokens: [
      [
        { id: 319, text: " A", logprob: -0.1, special: false },
        { id: 350, text: " B", logprob: -2.5, special: false },
      ],
    ],
  },
};

export const OPENAI_TOP_K_LEGACY = {
  choices: [{ index: 0, text: " A", logprobs: { tokens: [" A"], token_logprobs: [-0.1], top_logprobs: [{ " A": -0.1, " B": -2.5, C: -3 }], text_offset: [7] } }],
};

/** llama-server's `/v1/completions` with `logprobs: k`: the chat-style `content` list. */
export const LLAMA_CPP_OPENAI_TOP_K = {
  choices: [
    {
      text: " B",
      index: 0,
      logprobs: {
        content: [
          {
            id: 350,
            token: " B",
            bytes: [32, 66],
            logprob: -0.2,
            top_logprobs: [
              { id: 350, token: " B", bytes: [32, 66], logprob: -0.2 },
              { id: 319, token: " A", bytes: [32, 65], logprob: -1.9 },
            ],
          },
        ],
      },
      finish_reason: "length",
    },
  ],
};

export const LLAMA_CPP_NATIVE_TOP_K = {
  content: " B",
  stop: true,
  completion_probabilities: [
    {
      id: 350,
      token: " B",
      bytes: [32, 66],
      logprob: -0.2,
      top_logprobs: [
        { id: 350, token: " B", bytes: [32, 66], logprob: -0.2 },
        { id: 319, token: " A", bytes: [32, 65], logprob: -1.9 },
      ],
    },
  ],
};

/** Builds before top_logprobs: probabilities, not log-probabilities. */
export const LLAMA_CPP_NATIVE_TOP_K_OLD = {
  content: " B",
  completion_probabilities: [{ content: " B", probs: [{ tok_str: " B", prob: 0.5 }, { tok_str: " A", prob: 0.25 }] }],
};

export const OLLAMA_TOP_K = {
  model: "tiny",
  response: " C",
  done: true,
  logprobs: [
    {
      token: " C",
      logprob: -0.3,
      bytes: [32, 67],
      top_logprobs: [
        { token: " C", logprob: -0.3, bytes: [32, 67] },
        { token: " D", logprob: -1.4, bytes: [32, 68] },
      ],
    },
  ],
};
