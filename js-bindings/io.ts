// lp.io (DESIGN.md's io.ts): the implementation lives in io/.
export * from './io/full.js';
