// The table of gradient rules: importing this module registers every rule with the tape.
import './unary.js';
import './binary.js';
import './matmul.js';
import './conv.js';
import './reduce.js';
import './layout.js';
import './nn.js';
import './pool_time.js';
import './rnn.js';
import './attention.js';
