// Reads generated/digits.bin, written by make_model.ts (encodeDigits):
//   'LPD1', u32 LE train count, u32 LE test count, one label byte per digit (training digits
//   first), then each image as 784 bytes (row-major 28x28, pixel value x 255 rounded).

/**
 * @typedef {{x: Float32Array, y: Int32Array, count: number}} DigitSet  x: count x 784 in [0, 1]
 */

/**
 * @param {ArrayBuffer} buffer
 * @returns {{train: DigitSet, test: DigitSet}}
 */
export function decodeDigits(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'LPD1') {
    throw new Error('decodeDigits: not a digits.bin file (no LPD1 magic)');
  }
  const view = new DataView(buffer);
  const nTrain = view.getUint32(4, true), nTest = view.getUint32(8, true);
  const n = nTrain + nTest;
  if (bytes.length !== 12 + n * 785) {
    throw new Error(`decodeDigits: ${nTrain} + ${nTest} digits need ${12 + n * 785} bytes, the file has ${bytes.length}`);
  }
  /** @param {number} start @param {number} count @returns {DigitSet} */
  const set = (start, count) => ({
    y: Int32Array.from(bytes.subarray(12 + start, 12 + start + count)),
    x: Float32Array.from(bytes.subarray(12 + n + start * 784, 12 + n + (start + count) * 784), (v) => v / 255),
    count,
  });
  return { train: set(0, nTrain), test: set(nTrain, nTest) };
}
