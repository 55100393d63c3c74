// The every-runtime smoke suite (smoke_suite.ts) on the full entry, dist/index.js (`npm run build`).
// @ts-types="../../js-bindings/index.ts"
import * as lp from '../../dist/index.js';
import { smokeSuite } from './smoke_suite.js';

smokeSuite(lp, 'full');
