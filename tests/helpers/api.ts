// Shared checks for the API tests: an op (or an error) must leave memory() as it found it.
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';

/** Runs fn and checks that it leaves the live tensors and bytes as they were. */
export function noLeak(fn: () => void): void {
  const before = lp.memory();
  fn();
  const after = lp.memory();
  assert.equal(after.numTensors, before.numTensors, 'numTensors changed');
  assert.equal(after.numBytes, before.numBytes, 'numBytes changed');
}

/** fn throws an Error matching `message`, and leaves memory() as it was. */
export function throwsNoLeak(fn: () => unknown, message: RegExp): void {
  noLeak(() => assert.throws(fn, message));
}

/** fn throws an Error whose message starts with the op name (and matches `pattern`), no leaks. */
export function expectError(fn: () => unknown, op: string, pattern?: RegExp): void {
  noLeak(() => assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.ok(e.message.startsWith(op), `message should start with '${op}': ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  }));
}
