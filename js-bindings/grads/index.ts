// The table of gradient rules of the core entry: importing this module registers them with the
// tape. The sequence ops' rules (pool_time, rnn, attention) come with layers/sequence.ts.
import './unary.js';
import './binary.js';
import './matmul.js';
import './conv.js';
import './reduce.js';
import './layout.js';
import './nn.js';
