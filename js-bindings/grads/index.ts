// The table of gradient rules: importing this module registers every rule with the tape.
import './unary.js';
import './binary.js';
import './matmul.js';
import './conv.js';
import './reduce.js';
import './layout.js';
import './nn.js';
import './attention.js';
