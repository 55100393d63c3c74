// cos and sin of an angle in degrees, the same bits in every JS engine. Math.cos and Math.sin are
// not specified to the last bit, and engines differ there: over 400,000 angles in ±30°, V8
// (Node, Deno, Chromium), JavaScriptCore (Bun) and SpiderMonkey (Firefox) gave three different
// sets of doubles. augment()'s seeded transforms use these instead, so that a seeded pipeline
// gives the same bytes everywhere. Only IEEE +, −, ×, / and % in a fixed order (JS never fuses a
// multiply-add): reduction to ±45° by quarter turns, then Taylor polynomials to degree 17/18 in
// Horner form (the first term left out is below 1e-19 at π/4; within 1 ulp of V8's Math.cos/sin
// in ±45°, tests/api/trig.test.ts).

const RAD_PER_DEG = Math.PI / 180;
// 1/k! coefficients of the odd (sin) and even (cos) series in r², highest first.
const SIN = [1 / 355687428096000, -1 / 1307674368000, 1 / 6227020800, -1 / 39916800, 1 / 362880, -1 / 5040, 1 / 120, -1 / 6];
const COS = [1 / 6402373705728000, -1 / 20922789888000, 1 / 87178291200, -1 / 479001600, 1 / 3628800, -1 / 40320, 1 / 720, -1 / 24, 1 / 2];

function horner(coefficients: number[], x: number): number {
  let acc = 0;
  for (const c of coefficients) acc = acc * x + c;
  return acc;
}

/** [cos, sin] of `degrees`; exact at multiples of 90 (quarter turns stay exact). */
export function cosSinDegrees(degrees: number): [number, number] {
  const d = degrees % 360; // exact
  const quarter = Math.round(d / 90);
  const r = (d - 90 * quarter) * RAD_PER_DEG; // |r| <= π/4
  const r2 = r * r;
  const s = r + r * r2 * horner(SIN, r2);
  const c = 1 - r2 * horner(COS, r2);
  // (+ 0 turns a -0 into 0 and leaves every other value as it is: quarter turns give exact zeros.)
  switch (((quarter % 4) + 4) % 4) {
    case 0: return [c + 0, s + 0];
    case 1: return [-s + 0, c + 0];
    case 2: return [-c + 0, -s + 0];
    default: return [s + 0, -c + 0];
  }
}
