/**
 * Writing pictures: SVG as text, PNG through resvg (the `@resvg/resvg-js` package, an optional
 * dependency with prebuilt binaries, loaded on first use) with the font shipped in data/fonts, so a
 * PNG looks the same on every machine.
 */
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { DendriteError, ValueError } from '../errors.js';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { temporaryPath } from '../io/atomic.js';
import { packageRoot } from '../native.js';
import { checkNumber, checkOptions, checkString, typeError } from '../validate.js';
import { FONT_FAMILY } from './svg.js';

/** Options of {@link toPng}. */
export interface PngOptions {
  /** Pixels per SVG unit (default 1; 2 for sharp pictures on high-density screens). */
  scale?: number;
}

interface RenderedImage {
  asPng(): Buffer;
}
interface ResvgModule {
  Resvg: new (svg: string, options: object) => { render(): RenderedImage };
}

let renderer: ResvgModule | null = null;

function loadRenderer(where: string): ResvgModule {
  if (renderer !== null) return renderer;
  try {
    renderer = createRequire(join(packageRoot, 'package.json'))('@resvg/resvg-js') as ResvgModule;
    return renderer;
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new DendriteError(
      `${where}: writing PNG needs the optional dependency @resvg/resvg-js, which is not installed for ${process.platform}-${process.arch}` +
      ` (it installs with dendrite unless optional dependencies are omitted: npm install @resvg/resvg-js). SVG files need nothing. Cause: ${cause}`,
      'ERR_DENDRITE_PNG_RENDERER',
    );
  }
}

const FONT_FILES = ['DejaVuSans-subset.ttf', 'DejaVuSans-Bold-subset.ttf'].map((name) => join(packageRoot, 'data', 'fonts', name));

/**
 * Renders an SVG picture (from a `dn.plot` function) to PNG bytes.
 * ```ts
 * const png = dn.plot.toPng(dn.plot.histogram(values), { scale: 2 });
 * ```
 */
export function toPng(svg: string, options: PngOptions = {}): Buffer {
  const where = 'plot.toPng';
  checkString(where, 'svg', svg);
  const o = checkOptions<PngOptions>(where, options, ['scale']);
  const scale = o.scale === undefined ? 1 : checkNumber(where, 'scale', o.scale);
  if (scale <= 0 || scale > 16) throw new ValueError(`${where}: scale must be in (0, 16], got ${scale}`);
  return renderPng(where, svg, scale);
}

function renderPng(where: string, svg: string, scale: number): Buffer {
  const { Resvg } = loadRenderer(where);
  const image = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  });
  return image.render().asPng();
}

/** Writes a file under a temporary name, then renames it over `file`: a reader (an image viewer watching it) never sees half a picture. */
function replaceFile(file: string, data: Uint8Array): void {
  const temporary = temporaryPath(file);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes `svg` to `file`: as SVG text for `.svg`, rendered to PNG for `.png` (under a temporary name,
 * then renamed over the file). The picture functions call this for their `file` option.
 */
export function savePicture(where: string, svg: string, file: unknown, scale = 1): void {
  if (typeof file !== 'string' || file === '') typeError(where, 'file', 'a file name ending in .svg or .png', file);
  const extension = extname(file).toLowerCase();
  if (extension === '.svg') replaceFile(file, Buffer.from(svg, 'utf8'));
  else if (extension === '.png') replaceFile(file, renderPng(where, svg, scale));
  else throw new ValueError(`${where}: file must end in .svg or .png, got '${file}'`);
}

/**
 * Writes an SVG picture to a file, as SVG or PNG by the file's extension.
 * ```ts
 * dn.plot.save(dn.plot.trainingCurves(history), 'curves.png');
 * ```
 */
export function save(svg: string, file: string, options: PngOptions = {}): void {
  const where = 'plot.save';
  checkString(where, 'svg', svg);
  const o = checkOptions<PngOptions>(where, options, ['scale']);
  const scale = o.scale === undefined ? 1 : checkNumber(where, 'scale', o.scale);
  if (scale <= 0 || scale > 16) throw new ValueError(`${where}: scale must be in (0, 16], got ${scale}`);
  savePicture(where, svg, file, scale);
}
