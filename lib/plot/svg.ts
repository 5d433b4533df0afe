/**
 * SVG as strings, built by small functions: elements, numbers printed the same way every time (so a
 * picture is byte-for-byte reproducible), the fonts, colours and colour maps every picture shares.
 */

/** The font every picture names; the PNG renderer is given this font's file, so text looks the same everywhere. */
export const FONT_FAMILY = 'DejaVu Sans';
export const FONT = `font-family="${FONT_FAMILY}, sans-serif"`;
export const TEXT_COLOUR = '#222222';
export const AXIS_COLOUR = '#555555';
export const GRID_COLOUR = '#e6e6e6';

/**
 * Okabe & Ito's palette (2008), distinguishable with every common colour-vision deficiency: blue,
 * orange, bluish green, vermillion, reddish purple, sky blue, yellow, black.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'] as const;

/** The colour of series or class `i` (the palette repeats after 8). */
export function colourOf(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** A number as SVG writes it: at most 2 decimals, no trailing zeros, no "-0". */
export function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** Text made safe for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type AttributeValue = string | number | undefined;

/** `<tag a="1" ...>children</tag>`, or self-closing without children; undefined attributes are left out. */
export function element(tag: string, attributes: Readonly<Record<string, AttributeValue>>, children = ''): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v as string)}"`)
    .join('');
  return children === '' ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${children}</${tag}>`;
}

/** A text element in the shared font. */
export function text(
  x: number, y: number, content: string,
  options: { size?: number; anchor?: 'start' | 'middle' | 'end'; weight?: 'bold'; colour?: string; rotate?: number; baseline?: 'middle' | 'hanging' } = {},
): string {
  return element('text', {
    x, y,
    'font-family': `${FONT_FAMILY}, sans-serif`,
    'font-size': options.size ?? 12,
    'text-anchor': options.anchor ?? 'start',
    'font-weight': options.weight,
    'dominant-baseline': options.baseline === 'middle' ? 'central' : options.baseline,
    fill: options.colour ?? TEXT_COLOUR,
    transform: options.rotate === undefined ? undefined : `rotate(${num(options.rotate)} ${num(x)} ${num(y)})`,
  }, escapeXml(content));
}

/** The whole document: a white background under `body`. */
export function document(width: number, height: number, body: string, title?: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}">`,
    title === undefined ? '' : `<title>${escapeXml(title)}</title>`,
    element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    body,
    '</svg>',
    '',
  ].join('\n');
}

/** An RGB colour, 0..255 each. */
export type Rgb = readonly [number, number, number];

export function hex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.max(0, Math.min(255, c))).toString(16).padStart(2, '0')).join('')}`;
}

function parseHex(colour: string): Rgb {
  return [parseInt(colour.slice(1, 3), 16), parseInt(colour.slice(3, 5), 16), parseInt(colour.slice(5, 7), 16)];
}

function interpolate(stops: readonly Rgb[], t: number): Rgb {
  const clamped = Number.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0;
  const position = clamped * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(position));
  const f = position - i;
  return [0, 1, 2].map((c) => stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f) as unknown as Rgb;
}

// Viridis (van der Walt & Smith, matplotlib's default map), perceptually uniform and colour-blind safe, at 9 stops.
const VIRIDIS: readonly Rgb[] = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'].map(parseHex);
// A diverging map from Okabe-Ito blue through white to vermillion (no red-green opposition).
const DIVERGING: readonly Rgb[] = ['#0b4f7c', '#0072B2', '#8cc4e3', '#f7f7f7', '#f2b48f', '#D55E00', '#8a3c00'].map(parseHex);
// Light to dark blue, for counts (confusion matrices).
const BLUES: readonly Rgb[] = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'].map(parseHex);

/** Viridis at t in [0, 1]. */
export function viridis(t: number): Rgb {
  return interpolate(VIRIDIS, t);
}

/** The diverging map at t in [−1, 1]: negative blue, zero white, positive vermillion. */
export function diverging(t: number): Rgb {
  return interpolate(DIVERGING, (t + 1) / 2);
}

/** Light to dark blue at t in [0, 1]. */
export function blues(t: number): Rgb {
  return interpolate(BLUES, t);
}

/** Mixes `colour` over `under` with opacity `alpha`. */
export function blend(colour: Rgb, under: Rgb, alpha: number): Rgb {
  return [0, 1, 2].map((c) => colour[c] * alpha + under[c] * (1 - alpha)) as unknown as Rgb;
}

/** The RGB of a palette colour. */
export function rgbOf(colour: string): Rgb {
  return parseHex(colour);
}

/** Relative luminance (0 black .. 1 white), to choose black or white text over a colour. */
export function luminance(rgb: Rgb): number {
  return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
}
