/**
 * The lm-evaluation-harness release whose prompts, few-shot selection and scoring kitt's quality
 * tasks follow (TruthfulQA mc2 as since v0.4.9; checked against the harness's code at 4e7e0d47,
 * 0.4.13.dev0). Every quality result records it as `harness_version`.
 */
export const HARNESS_VERSION = "0.4.12";
