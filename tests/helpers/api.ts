// Shared checks for the API tests: an op (or an error) must leave memory() as it found it.
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';

/** Loads the engine and creates the arena's scope stack (allocated once, on first use). */
export async function readyForLeakChecks(): Promise<void> {
  await lp.ready();
  lp.tidy(() => lp.zeros([1]));
}

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
