/** The `throughput` test's default prompts: short, open-ended, on unrelated topics. */
export const THROUGHPUT_PROMPTS: readonly string[] = [
  "Explain how photosynthesis turns sunlight into chemical energy.",
  "Write a short story about a lighthouse keeper who finds a message in a bottle.",
  "Describe the main causes of the French Revolution.",
  "Explain the difference between a process and a thread in an operating system.",
  "Give practical advice for someone training for their first marathon.",
];
