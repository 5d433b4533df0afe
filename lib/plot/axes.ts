/**
 * Axes shared by the charts: linear scales with "nice" ticks (steps of 1, 2 or 5 times a power of
 * ten), the frame with its grid, tick labels and axis titles, and a legend.
 */
import { AXIS_COLOUR, element, GRID_COLOUR, num, PALETTE, text } from './svg.js';

/** The plotting area inside a picture. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A linear map from data values to pixels, with its ticks. */
export interface Scale {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  /** The decimals tick labels need. */
  readonly decimals: number;
  map(value: number): number;
}

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks over [min, max]. */
function niceStep(min: number, max: number, count: number): number {
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/**
 * The data range [min, max] widened to whole ticks (`nice`), mapped onto pixels [from, to].
 * An empty range (all values equal) is widened by one on each side.
 */
export function linearScale(min: number, max: number, from: number, to: number, options: { ticks?: number; nice?: boolean } = {}): Scale {
  let low = Number.isFinite(min) ? min : 0;
  let high = Number.isFinite(max) ? max : 1;
  if (high - low < 1e-12 * Math.max(1, Math.abs(low))) {
    low -= Math.max(1, Math.abs(low) * 0.1);
    high += Math.max(1, Math.abs(high) * 0.1);
  }
  const step = niceStep(low, high, options.ticks ?? 5);
  if (options.nice ?? true) {
    low = Math.floor(low / step + 1e-9) * step;
    high = Math.ceil(high / step - 1e-9) * step;
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step - 1e-9) * step; t <= high + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const span = high - low;
  return { min: low, max: high, ticks, decimals, map: (value) => from + ((value - low) / span) * (to - from) };
}

/** A tick label: the scale's decimals, "−" for minus. */
export function tickLabel(value: number, decimals: number): string {
  const s = value.toFixed(Math.min(decimals, 10));
  return s.startsWith('-') && Number(s) !== 0 ? `\u2212${s.slice(1)}` : s.replace(/^-/, '');
}

/** Gridlines, the frame, ticks with their labels and the axis titles of a box. */
export function drawAxes(box: Box, x: Scale | null, y: Scale | null, labels: { x?: string; y?: string } = {}): string {
  const parts: string[] = [];
  const bottom = box.y + box.height;
  const right = box.x + box.width;
  if (x !== null) {
    for (const t of x.ticks) {
      const px = x.map(t);
      parts.push(element('line', { x1: px, y1: box.y, x2: px, y2: bottom, stroke: GRID_COLOUR, 'stroke-width': 1 }));
      parts.push(element('line', { x1: px, y1: bottom, x2: px, y2: bottom + 4, stroke: AXIS_COLOUR, 'stroke-width': 1 }));
      parts.push(text(px, bottom + 17, tickLabel(t, x.decimals), { size: 11, anchor: 'middle', colour: AXIS_COLOUR }));
    }
  }
  if (y !== null) {
    for (const t of y.ticks) {
      const py = y.map(t);
      parts.push(element('line', { x1: box.x, y1: py, x2: right, y2: py, stroke: GRID_COLOUR, 'stroke-width': 1 }));
      parts.push(element('line', { x1: box.x - 4, y1: py, x2: box.x, y2: py, stroke: AXIS_COLOUR, 'stroke-width': 1 }));
      parts.push(text(box.x - 7, py, tickLabel(t, y.decimals), { size: 11, anchor: 'end', colour: AXIS_COLOUR, baseline: 'middle' }));
    }
  }
  parts.push(frame(box));
  if (labels.x !== undefined) parts.push(text(box.x + box.width / 2, bottom + 36, labels.x, { anchor: 'middle' }));
  if (labels.y !== undefined) parts.push(text(box.x - 44, box.y + box.height / 2, labels.y, { anchor: 'middle', rotate: -90 }));
  return parts.join('\n');
}

/** The outline of a box. */
export function frame(box: Box): string {
  return element('rect', { x: box.x, y: box.y, width: box.width, height: box.height, fill: 'none', stroke: AXIS_COLOUR, 'stroke-width': 1 });
}

/** One entry of a legend: a line (with its dash) or a marker, and its label. */
export interface LegendEntry {
  label: string;
  colour: string;
  dash?: string;
  marker?: MarkerShape;
}

/** The height of one line of a legend. */
export const LEGEND_LINE_HEIGHT = 18;

function entryWidth(e: LegendEntry): number {
  return 36 + e.label.length * 7 + 18;
}

/** Legend entries in lines no wider than `maxWidth` (a line holds at least one entry). */
export function legendLines(entries: readonly LegendEntry[], maxWidth: number): LegendEntry[][] {
  const lines: LegendEntry[][] = [];
  let width = Infinity;
  for (const e of entries) {
    if (width + entryWidth(e) > maxWidth) {
      lines.push([]);
      width = 0;
    }
    lines[lines.length - 1].push(e);
    width += entryWidth(e);
  }
  return lines;
}

/**
 * A legend above the data, each line centred at centreX, the first at y and the others below it:
 * for pictures whose legend must cover nothing (several panels sharing series, many classes).
 */
export function legendRows(centreX: number, y: number, lines: readonly (readonly LegendEntry[])[]): string {
  const parts: string[] = [];
  lines.forEach((entries, row) => {
    const cy = y + row * LEGEND_LINE_HEIGHT;
    let left = centreX - entries.reduce((sum, e) => sum + entryWidth(e), 0) / 2;
    for (const e of entries) {
      if (e.marker !== undefined) parts.push(marker(e.marker, left + 12, cy, 4.5, e.colour));
      else parts.push(element('line', { x1: left, y1: cy, x2: left + 26, y2: cy, stroke: e.colour, 'stroke-width': 2.5, 'stroke-dasharray': e.dash }));
      parts.push(text(left + 32, cy, e.label, { size: 12, baseline: 'middle' }));
      left += entryWidth(e);
    }
  });
  return parts.join('\n');
}

/** Marker shapes, so that classes differ by shape as well as colour. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';
export const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

/**
 * The marker of class c: the shapes cycle with the classes, shifted by one each time the palette
 * repeats, so no two of the first 32 classes share both colour and shape.
 */
export function markerOf(c: number): MarkerShape {
  return MARKERS[(c + Math.floor(c / PALETTE.length)) % MARKERS.length];
}

/** A marker centred at (x, y) with "radius" r, edged (white by default) so overlapping points stay visible. */
export function marker(shape: MarkerShape, x: number, y: number, r: number, colour: string, edge = '#ffffff'): string {
  const style = { fill: colour, stroke: edge, 'stroke-width': 0.8 };
  if (shape === 'circle') return element('circle', { cx: x, cy: y, r, ...style });
  if (shape === 'square') return element('rect', { x: x - r * 0.9, y: y - r * 0.9, width: r * 1.8, height: r * 1.8, ...style });
  const points = shape === 'triangle'
    ? [[x, y - r * 1.15], [x + r, y + r * 0.75], [x - r, y + r * 0.75]]
    : [[x, y - r * 1.2], [x + r, y], [x, y + r * 1.2], [x - r, y]];
  return element('polygon', { points: points.map(([px, py]) => `${num(px)},${num(py)}`).join(' '), ...style });
}

/** A title centred above a box. */
export function title(box: Box, content: string | undefined): string {
  return content === undefined ? '' : text(box.x + box.width / 2, box.y - 12, content, { size: 14, anchor: 'middle', weight: 'bold' });
}

/** A vertical colour bar for a map over [min, max], with its end and middle values. */
export function colourBar(
  box: Box, colourAt: (t: number) => string, min: number, max: number, decimals: number,
): string {
  const steps = 64;
  const parts: string[] = [];
  for (let i = 0; i < steps; i++) {
    parts.push(element('rect', {
      x: box.x, y: box.y + (box.height * i) / steps, width: box.width, height: box.height / steps + 0.5,
      fill: colourAt(1 - (i + 0.5) / steps),
    }));
  }
  parts.push(frame(box));
  for (const [value, py] of [[max, box.y], [(min + max) / 2, box.y + box.height / 2], [min, box.y + box.height]] as const) {
    parts.push(text(box.x + box.width + 5, py, tickLabel(value, decimals), { size: 10, baseline: 'middle', colour: AXIS_COLOUR }));
  }
  return parts.join('\n');
}
