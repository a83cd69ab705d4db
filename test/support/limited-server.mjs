#!/usr/bin/env node
// An OpenAI completions server that cannot keep up: it holds at most --max-connections
// connections (Node closes any further one as soon as it is accepted, before reading it) and
// answers each request after --delay-ms, so it serves at most max-connections / delay requests
// a second. It records when it really received each request, on the machine-wide monotonic
// clock, and which prompt it carried. Run it with `fork`: it sends {type: "listening", url}
// once bound, answers {type: "report"} with {type: "report", receivedMs, prompts}, and exits on
// {type: "close"} or when its parent goes.
import { createServer } from "node:http";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const delayMs = option("delay-ms", 0);
const receivedMs = [];
const prompts = [];

const sse = (value) => `data: ${JSON.stringify(value)}\n\n`;
const token = (text, finish) =>
  sse({ id: "cmpl-limited", object: "text_completion", model: "limited", choices: [{ index: 0, text, finish_reason: finish }], usage: null });

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  let body = "";
  request.setEncoding("utf8").on("data", (part) => (body += part));
  request.on("end", () => {
    receivedMs.push(Number(process.hrtime.bigint()) / 1e6);
    const { prompt = "", max_tokens: tokens = 2 } = JSON.parse(body || "{}");
    prompts.push(prompt);
    setTimeout(() => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      let text = "";
      for (let index = 1; index <= tokens; index++) text += token(` t${index}`, index === tokens ? "length" : null);
      const usage = { prompt_tokens: 3, completion_tokens: tokens, total_tokens: 3 + tokens };
      response.end(`${text}${sse({ id: "cmpl-limited", choices: [], usage })}data: [DONE]\n\n`);
    }, delayMs);
  });
});
server.maxConnections = option("max-connections", Infinity);

server.listen(0, "127.0.0.1", () => {
  process.send({ type: "listening", url: `http://127.0.0.1:${server.address().port}` });
});

process.on("message", (message) => {
  if (message.type === "report") process.send({ type: "report", receivedMs, prompts });
  else if (message.type === "close") {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
