// Profile sources: which files a path gives, how a file is read, YAML syntax errors as positioned
// problems with their fix, and JSON pointers turned back into file line:col.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileProblem, joinPointer, listProfileFiles, locate, parseYaml, pointerSegments, readText } from '../../src/profiles/source.ts';

const dir = mkdtempSync(join(tmpdir(), 'lk-profile-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function file(content: string | Buffer, name = `f${count++}.yaml`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('fileProblem', () => {
  it('is an error about the whole file, without a hint key unless one is given', () => {
    expect(fileProblem('a.yaml', 'broken')).toStrictEqual({ file: 'a.yaml', line: 0, column: 0, path: '', message: 'broken', severity: 'error' });
    expect(fileProblem('a.yaml', 'broken', 'fix it', { line: 3, column: 4 })).toStrictEqual({ file: 'a.yaml', line: 3, column: 4, path: '', message: 'broken', severity: 'error', hint: 'fix it' });
  });
});

describe('listProfileFiles', () => {
  it("gives a folder's *.yaml and *.yml files (any case), sorted, and a file as given", () => {
    const folder = join(dir, 'profiles');
    mkdirSync(folder);
    for (const name of ['zeta.yaml', 'alpha.yml', 'Mid.YAML', 'notes.txt', 'bundle.json']) writeFileSync(join(folder, name), 'x');
    const single = file('x', 'single.txt');
    expect(listProfileFiles([folder, single])).toEqual({ files: [join(folder, 'Mid.YAML'), join(folder, 'alpha.yml'), join(folder, 'zeta.yaml'), single], problems: [] });
  });

  it('reports a path that does not exist and a folder without profiles, with the fix', () => {
    const empty = join(dir, 'empty-folder');
    mkdirSync(empty);
    const missing = join(dir, 'nope');
    expect(listProfileFiles([missing, empty])).toStrictEqual({
      files: [],
      problems: [
        { file: missing, line: 0, column: 0, path: '', message: 'no such file or folder', severity: 'error', hint: 'give a folder of *.yaml profiles or a profile file' },
        { file: empty, line: 0, column: 0, path: '', message: 'folder holds no profiles (*.yaml or *.yml files)', severity: 'error' },
      ],
    });
  });
});

describe('readText', () => {
  it('reads UTF-8 text', () => {
    expect(readText(file('name: café\n'))).toEqual({ text: 'name: café\n' });
  });

  it('refuses a folder, and says why another file cannot be read', () => {
    const folder = join(dir, 'a-folder.yaml');
    mkdirSync(folder);
    expect(readText(folder).problem).toStrictEqual({ file: folder, line: 0, column: 0, path: '', message: 'is a folder, expected a file', severity: 'error' });
    expect(readText(join(dir, 'gone.yaml')).problem?.message).toBe('cannot read file (ENOENT)');
  });

  it('refuses binary data, even when it decodes as UTF-8, with the fix', () => {
    const binary = file(Buffer.from('name: a\0b\n', 'utf8'));
    expect(readText(binary)).toEqual({ problem: { file: binary, line: 0, column: 0, path: '', message: 'not a text file (it contains binary data)', severity: 'error', hint: 'profiles are YAML text files' } });
  });

  it('refuses text that is not UTF-8 (Latin-1), with the fix', () => {
    const latin1 = file(Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect(readText(latin1)).toEqual({ problem: { file: latin1, line: 0, column: 0, path: '', message: 'not a text file (it is not valid UTF-8)', severity: 'error', hint: 'save the profile as UTF-8 YAML' } });
  });
});

describe('parseYaml', () => {
  const padding = Array.from({ length: 11 }, (_, i) => `k${i}: ${i}`).join('\n');

  it('reports a duplicate key at its line:col, with the position cut from the message and the fix', () => {
    const { problems, documents } = parseYaml('p.yaml', `${padding}\nname: a\nname: b\n`);
    expect(documents).toHaveLength(1);
    expect(problems).toEqual([{ file: 'p.yaml', line: 13, column: 1, path: '', message: 'YAML syntax: Map keys must be unique', severity: 'error', hint: 'each field may appear once; remove or rename one of them' }]);
  });

  it('cuts a two-digit line and column from the message and keeps only its first line', () => {
    const { problems } = parseYaml('p.yaml', `${padding}\nmatch:         {rooms: [a}\n`);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem.message).toMatch(/^YAML syntax: /);
      expect(problem.message).not.toMatch(/at line|\n/);
      expect(problem.line).toBe(12);
    }
    expect(problems.some((p) => p.column >= 10)).toBe(true);
  });

  it('suggests spaces for a tab indent', () => {
    const { problems } = parseYaml('p.yaml', 'match:\n\trooms: [a]\n');
    expect(problems.some((p) => p.hint === 'indent with spaces, not tabs')).toBe(true);
  });

  it('points to indentation and brackets for an unclosed flow sequence', () => {
    const { problems } = parseYaml('p.yaml', 'name: a\nmatch:\n  rooms: [a, b\nlanguages: x\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.hint === 'check the indentation and brackets around this line' || p.hint === undefined)).toBe(true);
    expect(problems.some((p) => p.hint === 'check the indentation and brackets around this line')).toBe(true);
  });

  it('points to indentation and brackets for an unclosed quote', () => {
    expect(parseYaml('p.yaml', 'key: "abc\n').problems).toEqual([
      { file: 'p.yaml', line: 2, column: 1, path: '', message: 'YAML syntax: Missing closing "quote', severity: 'error', hint: 'check the indentation and brackets around this line' },
    ]);
  });

  it('gives no hint for other syntax errors', () => {
    expect(parseYaml('p.yaml', 'a: b: c\n').problems).toStrictEqual([
      { file: 'p.yaml', line: 1, column: 4, path: '', message: 'YAML syntax: Nested mappings are not allowed in compact mappings', severity: 'error' },
    ]);
  });

  it('gives one document per --- section', () => {
    const { documents, problems } = parseYaml('p.yaml', 'name: a\n---\nname: b\n');
    expect(problems).toEqual([]);
    expect(documents.map((d) => d.document.toJS())).toEqual([{ name: 'a' }, { name: 'b' }]);
  });
});

describe('JSON pointers', () => {
  it('splits and joins pointers, escaping ~ and /', () => {
    expect(pointerSegments('')).toEqual([]);
    expect(pointerSegments('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
    expect(joinPointer('a/b', 'c~d', 0)).toBe('/a~1b/c~0d/0');
    expect(joinPointer()).toBe('');
  });
});

describe('locate', () => {
  const text = ['name: board', 'match:', '  rooms: [board-*, "exec"]', 'languages:', '  targets:', '    - language: fr', '      voice:', 'a/b: slash'].join('\n');
  const [source] = parseYaml('p.yaml', text).documents;

  it('finds values and keys in maps and lists', () => {
    expect(locate(source!, '/name')).toEqual({ line: 1, column: 7 });
    expect(locate(source!, '/name', 'key')).toEqual({ line: 1, column: 1 });
    expect(locate(source!, '/match/rooms/1')).toEqual({ line: 3, column: 20 });
    expect(locate(source!, '/languages/targets/0/language')).toEqual({ line: 6, column: 17 });
    expect(locate(source!, '/a~1b')).toEqual({ line: 8, column: 6 });
  });

  it('gives the spot after the colon of a field written without a value', () => {
    expect(locate(source!, '/languages/targets/0/voice')).toEqual({ line: 7, column: 13 });
  });

  it('gives the key of an explicit key (? key) without a value', () => {
    const [explicit] = parseYaml('p.yaml', 'name: a\n? voice\n').documents;
    expect(locate(explicit!, '/voice')).toEqual({ line: 2, column: 3 });
  });

  it('gives the deepest node that exists for a pointer that leads nowhere', () => {
    expect(locate(source!, '/match/metadata')).toEqual({ line: 3, column: 3 });
    expect(locate(source!, '/match/rooms/5')).toEqual({ line: 3, column: 10 });
    expect(locate(source!, '/name/0')).toEqual({ line: 1, column: 7 });
    // A list item has no key: its value is the place.
    expect(locate(source!, '/match/rooms/0/x', 'key')).toEqual({ line: 3, column: 11 });
  });
});
