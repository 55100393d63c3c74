// npm run demo:text: the text demos (examples/text_spam.ts: spam classification and a model file
// with its tokenizer), with the same command-line options.
//
//   npm run demo:text -- [--seed N] [--epochs N]
await import('./text_spam.js');
export {};
