// npm run demo:text: the text demos one after the other, with the same command-line options.
//   examples/text_spam.ts   spam classification (bag of embeddings, transformer encoder), model file with tokenizer
//   examples/text_names.ts  a character-level LSTM that invents first names
//
//   npm run demo:text -- [--seed N] [--epochs N] [--transformer-epochs N] [--lstm-epochs N] [--budget SECONDS]
//                        [--temperature T] [--samples N]
await import('./text_spam.js');
console.log();
await import('./text_names.js');
export {};
