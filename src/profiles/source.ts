/**
 * Profile sources: files found from the paths given, parsed as YAML with source positions kept,
 * so that any JSON pointer into a document can be turned back into a line and column.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { ProfileProblem } from './types.ts';

export interface Position {
  line: number;
  column: number;
}

/** One YAML document of a file, with what it takes to locate a pointer in it. */
export interface SourceDocument {
  file: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

const PROFILE_EXTENSIONS = new Set(['.yaml', '.yml']);

export function fileProblem(file: string, message: string, hint?: string, position: Position = { line: 0, column: 0 }): ProfileProblem {
  const problem: ProfileProblem = { file, line: position.line, column: position.column, path: '', message, severity: 'error' };
  if (hint !== undefined) problem.hint = hint;
  return problem;
}

/** Expands paths (folders: their *.yaml|*.yml files, sorted; files as given) into the files to read. */
export function listProfileFiles(paths: readonly string[]): { files: string[]; problems: ProfileProblem[] } {
  const files: string[] = [];
  const problems: ProfileProblem[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      problems.push(fileProblem(path, 'no such file or folder', 'give a folder of *.yaml profiles or a profile file'));
      continue;
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const found = readdirSync(path)
      .filter((name) => PROFILE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort()
      .map((name) => join(path, name));
    if (found.length === 0) problems.push(fileProblem(path, 'folder holds no profiles (*.yaml or *.yml files)'));
    files.push(...found);
  }
  return { files, problems };
}

/** Reads a file as UTF-8 text; binary content is a problem, not a parse attempt. */
export function readText(file: string): { text?: string; problem?: ProfileProblem } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: fileProblem(file, code === 'EISDIR' ? 'is a folder, expected a file' : `cannot read file (${code ?? String(error)})`) };
  }
  if (bytes.includes(0)) return { problem: fileProblem(file, 'not a text file (it contains binary data)', 'profiles are YAML text files') };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: fileProblem(file, 'not a text file (it is not valid UTF-8)', 'save the profile as UTF-8 YAML') };
  }
}

/** Parses YAML text into documents; syntax errors become positioned problems. */
export function parseYaml(file: string, text: string): { documents: SourceDocument[]; problems: ProfileProblem[] } {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const problems: ProfileProblem[] = [];
  const documents: SourceDocument[] = [];
  for (const document of list) {
    for (const error of document.errors) {
      const position = lineCounter.linePos(error.pos[0]);
      const firstLine = error.message.split('\n')[0] ?? error.message;
      // yaml appends " at line L, column C" to its messages; we print the position ourselves.
      const message = `YAML syntax: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`;
      problems.push(fileProblem(file, message, yamlHint(error.code), { line: position.line, column: position.col }));
    }
    documents.push({ file, document, lineCounter });
  }
  return { documents, problems };
}

function yamlHint(code: string): string | undefined {
  if (code === 'DUPLICATE_KEY') return 'each field may appear once; remove or rename one of them';
  if (code === 'TAB_AS_INDENT') return 'indent with spaces, not tabs';
  if (code === 'BAD_INDENT' || code === 'MISSING_CHAR') return 'check the indentation and brackets around this line';
  return undefined;
}

/** Splits a JSON pointer into its segments (`/a/0/b` -> ['a', '0', 'b']). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function joinPointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Where `pointer` is in the document: the value's start, or its key's start with `at: 'key'`.
 * A pointer that leads nowhere (a missing field) gives the deepest node that exists.
 */
export function locate(source: SourceDocument, pointer: string, at: 'key' | 'value' = 'value'): Position {
  let node: unknown = source.document.contents;
  let keyNode: unknown;
  for (const segment of pointerSegments(pointer)) {
    let next: unknown;
    let nextKey: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
      if (pair) {
        next = pair.value ?? pair.key;
        nextKey = pair.key;
      }
    } else if (isSeq(node)) {
      next = node.items[Number(segment)];
    }
    if (next === undefined || next === null) break;
    node = next;
    keyNode = nextKey;
  }
  const target = (at === 'key' && keyNode ? keyNode : node) as Node | null | undefined;
  const offset = target?.range?.[0] ?? 0;
  const position = source.lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}
