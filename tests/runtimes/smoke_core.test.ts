// The every-runtime smoke suite (smoke_suite.ts) on the core entry, dist/core.js, and its core .wasm.
// @ts-types="../../js-bindings/core.ts"
import * as lp from '../../dist/core.js';
import { smokeSuite } from './smoke_suite.js';

smokeSuite(lp, 'core');
