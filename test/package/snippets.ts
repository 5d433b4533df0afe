/**
 * The code blocks of README.md and docs/*.md as programs, for the snippet test and the consumer-types
 * test. The rules a block follows are written at the top of snippets.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fenced ts/js block. */
export interface Snippet {
  /** The markdown file, relative to the repository root. */
  file: string;
  /** The line of the opening fence (1-based). */
  line: number;
  /** The heading the block sits under ('' before the first heading). */
  heading: string;
  language: 'ts' | 'js';
  code: string;
}

/** Blocks that run together as one file: a block and the blocks that continue it. */
export interface Program {
  /** `README.md:27` (file and line of its first block). */
  name: string;
  snippets: Snippet[];
  language: 'ts' | 'js';
  /** Uses `require()` and no `import` statement: written to a .cts / .cjs file. */
  commonjs: boolean;
  code: string;
}

export interface Extracted {
  programs: Program[];
  /** Blocks marked `// fragment`. */
  fragments: Snippet[];
}

const LANGUAGES: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' };
export const FRAGMENT = /^\/\/\s*fragment\b/i;
export const CONTINUES = /^\/\/\s*continues\b[^"]*"([^"]+)"/i;

/** The fenced blocks of one markdown text, in order. */
export function fencedBlocks(markdown: string, file: string): Snippet[] {
  const lines = markdown.split('\n');
  const blocks: Snippet[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const headingMatch = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(lines[i]);
    if (headingMatch) {
      heading = headingMatch[1];
      continue;
    }
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let end = i + 1;
    while (end < lines.length && !(lines[end].trim().startsWith(fence) && lines[end].trim().replace(/[`~]/g, '') === '')) {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end]);
      end++;
    }
    const language = LANGUAGES[info.toLowerCase()];
    if (language) blocks.push({ file, line: i + 1, heading, language, code: body.join('\n') });
    i = end;
  }
  return blocks;
}

function firstLine(code: string): string {
  return code.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

/** The programs of one markdown text: blocks joined to the programs they continue; fragments set aside. */
export function programsOf(markdown: string, file: string): Extracted {
  const programs: Program[] = [];
  const fragments: Snippet[] = [];
  for (const snippet of fencedBlocks(markdown, file)) {
    const first = firstLine(snippet.code);
    if (FRAGMENT.test(first)) {
      fragments.push(snippet);
      continue;
    }
    const continues = CONTINUES.exec(first);
    if (continues) {
      const target = programs.find((p) => p.snippets[0].heading === continues[1]);
      if (!target) {
        const headings = [...new Set(programs.map((p) => `"${p.snippets[0].heading}"`))].join(', ') || 'none';
        throw new Error(`${file}:${snippet.line}: continues "${continues[1]}", but no earlier block of ${file} starts under that heading (headings with blocks: ${headings})`);
      }
      target.snippets.push(snippet);
      if (snippet.language === 'ts') target.language = 'ts';
      target.code += `\n\n// ${file}:${snippet.line}\n${snippet.code}`;
      continue;
    }
    programs.push({ name: `${file}:${snippet.line}`, snippets: [snippet], language: snippet.language, commonjs: false, code: `// ${file}:${snippet.line}\n${snippet.code}` });
  }
  for (const program of programs) {
    program.commonjs = /\brequire\(/.test(program.code) && !/^\s*import\s/m.test(program.code);
  }
  return { programs, fragments };
}

/** The markdown files whose blocks are run: README.md and docs/*.md. */
export function documentationFiles(root: string): string[] {
  const docs = existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`) : [];
  return ['README.md', ...docs];
}

/** Every program of README.md and docs/*.md. */
export function documentationPrograms(root: string): Extracted {
  const all: Extracted = { programs: [], fragments: [] };
  for (const file of documentationFiles(root)) {
    const { programs, fragments } = programsOf(readFileSync(join(root, file), 'utf8'), file);
    all.programs.push(...programs);
    all.fragments.push(...fragments);
  }
  return all;
}

/** A file name for a program: README.md:27 -> readme-27.ts (.cts, .js or .cjs by language and module kind). */
export function programFileName(program: Program): string {
  const [file, line] = program.name.split(':');
  const base = file.replace(/\.md$/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const extension = program.language === 'ts' ? (program.commonjs ? 'cts' : 'ts') : (program.commonjs ? 'cjs' : 'js');
  return `${base}-${line}.${extension}`;
}
