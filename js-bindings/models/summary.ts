// model.summary(): a table of layers (name and class), output shapes, parameter counts and, for
// graphs that are not a plain chain, the layers each one receives, then the totals (the layout of
// tfjs-layers' printSummary).
import type { Layer, LayerNode } from '../layers/layer.js';

interface SummaryModel {
  name: string;
  layers: Layer[];
  inputs: { node: LayerNode | null; shape: (number | null)[] }[];
  trainableWeights: { size: number }[];
  nonTrainableWeights: { size: number }[];
}

const shape = (s: (number | null)[]) => `[${s.map((d) => d ?? 'null').join(',')}]`;

export function summaryLines(model: SummaryModel, nodes: LayerNode[], lineLength?: number, positions?: number[]): string[] {
  const chain = nodes.every((n, i) => n.inputs.length === 1 && (i === 0 || n.inputs[0] === nodes[i - 1].outputs[0]));
  const width = lineLength ?? (chain ? 65 : 98);
  const stops = (positions ?? (chain ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1])).map((p) => (p <= 1 ? Math.floor(p * width) : p));
  const row = (cells: string[]) => {
    let line = '';
    cells.forEach((c, i) => {
      line += c;
      line = line.slice(0, stops[i] - 1).padEnd(stops[i]);
    });
    return line.trimEnd();
  };
  const header = chain ? ['Layer (type)', 'Output shape', 'Param #'] : ['Layer (type)', 'Output shape', 'Param #', 'Receives inputs'];
  const lines = [`Model: "${model.name}"`, '_'.repeat(width), row(header), '='.repeat(width)];
  const inputNodes = model.inputs.map((i) => i.node).filter((n): n is LayerNode => n !== null);
  const all = chain ? nodes : [...inputNodes, ...nodes];
  all.forEach((n, i) => {
    const cells = [`${n.layer.name} (${n.layer.className})`, shape(n.outputs[0].shape), String(n.layer.countParams())];
    if (!chain) cells.push(n.inputs.map((s) => s.node?.layer.name ?? s.name).join(', '));
    lines.push(row(cells));
    lines.push(i === all.length - 1 ? '='.repeat(width) : '_'.repeat(width));
  });
  if (all.length === 0) lines.push('='.repeat(width));
  const trainable = model.trainableWeights.reduce((a, w) => a + w.size, 0);
  const frozen = model.nonTrainableWeights.reduce((a, w) => a + w.size, 0);
  lines.push(`Total params: ${(trainable + frozen).toLocaleString('en-US')}`);
  lines.push(`Trainable params: ${trainable.toLocaleString('en-US')}`);
  lines.push(`Non-trainable params: ${frozen.toLocaleString('en-US')}`);
  lines.push('_'.repeat(width));
  return lines;
}
