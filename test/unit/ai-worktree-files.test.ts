import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, WorktreeFiles } from '../../src/adapters/ai/worktree-files';

let base: string;
let root: string;
let outside: string;
let files: WorktreeFiles;

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-wtf-'));
  root = path.join(base, 'worktree');
  outside = path.join(base, 'outside');
  await fs.mkdir(path.join(root, 'src', 'deep', 'deeper'), { recursive: true });
  await fs.mkdir(path.join(root, '.git'), { recursive: true });
  await fs.mkdir(outside);
  await fs.writeFile(path.join(root, 'src', 'app.ts'), 'const a = 1;\nconst b = 2;\nexport { a, b };\n');
  await fs.writeFile(path.join(root, 'src', 'deep', 'deeper', 'third-level.ts'), 'x\n');
  await fs.writeFile(path.join(root, '.git', 'config'), '[core]\n');
  await fs.writeFile(path.join(outside, 'secret.txt'), 'outside secret\n');
  files = await WorktreeFiles.open(root);
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

const read = (rel: string) => fs.readFile(path.join(root, rel), 'utf8');

async function refused(input: Record<string, unknown>): Promise<string> {
  const outcome = await files.execute(input);
  expect(outcome.isError).toBe(true);
  return outcome.text;
}

describe('refusals', () => {
  it('refuses absolute paths, naming the relative form to use', async () => {
    expect(await refused({ command: 'view', path: '/etc/passwd' })).toMatch(/absolute path.*relative to the repository root/);
    expect(await refused({ command: 'create', path: '/tmp/x.txt', file_text: 'x' })).toMatch(/absolute path/);
    await expect(fs.stat('/tmp/x.txt').then(() => 'exists', () => 'absent')).resolves.toBe('absent');
  });

  it('refuses .. escapes, even ones that would land back inside', async () => {
    expect(await refused({ command: 'view', path: '../x' })).toMatch(/leaves the repository/);
    expect(await refused({ command: 'create', path: '../outside/new.txt', file_text: 'x' })).toMatch(/leaves the repository/);
    expect(await refused({ command: 'view', path: 'src/../src/app.ts' })).toMatch(/leaves the repository/);
    await expect(fs.readdir(outside)).resolves.toEqual(['secret.txt']);
  });

  it('refuses anything inside .git, whatever its case', async () => {
    expect(await refused({ command: 'view', path: '.git/config' })).toMatch(/inside \.git/);
    expect(await refused({ command: 'str_replace', path: '.git/config', old_str: '[core]', new_str: '[x]' })).toMatch(/inside \.git/);
    expect(await refused({ command: 'create', path: 'src/.GIT/hooks/pre-commit', file_text: 'evil' })).toMatch(/inside \.git/);
    expect(await read('.git/config')).toBe('[core]\n');
  });

  it('refuses a symlinked file that points outside the worktree', async () => {
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    expect(await refused({ command: 'view', path: 'link.txt' })).toMatch(/symbolic link to outside/);
    expect(await refused({ command: 'create', path: 'link.txt', file_text: 'overwritten' })).toMatch(/symbolic link to outside/);
    expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside secret\n');
  });

  it('refuses files under a symlinked directory that points outside, existing or not', async () => {
    await fs.symlink(outside, path.join(root, 'linkdir'));
    expect(await refused({ command: 'view', path: 'linkdir/secret.txt' })).toMatch(/symbolic link to outside/);
    expect(await refused({ command: 'create', path: 'linkdir/new/deeper.txt', file_text: 'x' })).toMatch(/symbolic link to outside/);
    await expect(fs.readdir(outside)).resolves.toEqual(['secret.txt']);
  });

  it('refuses a symlink inside the worktree that leads into .git', async () => {
    await fs.symlink(path.join(root, '.git'), path.join(root, 'gitlink'));
    expect(await refused({ command: 'view', path: 'gitlink/config' })).toMatch(/resolves into \.git/);
  });

  it('refuses a dangling symlink instead of writing through or over it', async () => {
    await fs.symlink(path.join(outside, 'not-yet.txt'), path.join(root, 'dangling.txt'));
    expect(await refused({ command: 'create', path: 'dangling.txt', file_text: 'x' })).toMatch(/target does not exist/);
    await expect(fs.readdir(outside)).resolves.toEqual(['secret.txt']);
  });

  it('follows a symlink that stays inside the worktree and records the real file', async () => {
    await fs.symlink(path.join(root, 'src', 'app.ts'), path.join(root, 'alias.ts'));
    const outcome = await files.execute({ command: 'str_replace', path: 'alias.ts', old_str: 'const a = 1;', new_str: 'const a = 10;' });
    expect(outcome.isError).toBe(false);
    expect((await fs.lstat(path.join(root, 'alias.ts'))).isSymbolicLink()).toBe(true);
    expect(await read('src/app.ts')).toContain('const a = 10;');
    expect(files.changedFiles()).toEqual(['src/app.ts']);
  });

  it('refuses unknown commands and malformed input with a readable reason', async () => {
    expect(await refused({ command: 'undo_edit', path: 'src/app.ts' })).toMatch(/Unknown command "undo_edit"/);
    expect(await refused({ command: 'create', path: 'a.txt' })).toMatch(/file_text/);
    expect(await refused({ command: 'view', path: 'src/app.ts', view_range: [1] })).toMatch(/view_range/);
  });

  it('refuses files over the size cap and binary files', async () => {
    await fs.writeFile(path.join(root, 'big.txt'), 'a'.repeat(MAX_FILE_BYTES + 1));
    expect(await refused({ command: 'view', path: 'big.txt' })).toMatch(/limit/);
    expect(await refused({ command: 'create', path: 'huge.txt', file_text: 'b'.repeat(MAX_FILE_BYTES + 1) })).toMatch(/larger than/);
    await fs.writeFile(path.join(root, 'blob.bin'), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    expect(await refused({ command: 'view', path: 'blob.bin' })).toMatch(/binary/);
  });
});

describe('view', () => {
  it('shows a file with line numbers', async () => {
    const out = (await files.execute({ command: 'view', path: 'src/app.ts' })).text;
    expect(out).toBe('     1\tconst a = 1;\n     2\tconst b = 2;\n     3\texport { a, b };\n');
  });

  it('honours view_range, with -1 meaning the end of the file', async () => {
    expect((await files.execute({ command: 'view', path: 'src/app.ts', view_range: [2, 2] })).text).toBe('     2\tconst b = 2;\n');
    expect((await files.execute({ command: 'view', path: 'src/app.ts', view_range: [2, -1] })).text).toBe(
      '     2\tconst b = 2;\n     3\texport { a, b };\n',
    );
    expect(await refused({ command: 'view', path: 'src/app.ts', view_range: [4, 5] })).toMatch(/start 4 is outside src\/app.ts, which has 3 lines/);
    expect(await refused({ command: 'view', path: 'src/app.ts', view_range: [2, 9] })).toMatch(/end 9 must be -1/);
  });

  it('lists a directory two levels deep without .git', async () => {
    const out = (await files.execute({ command: 'view', path: '.' })).text;
    const lines = out.split('\n');
    expect(lines).toContain('src/');
    expect(lines).toContain('src/app.ts');
    expect(lines).toContain('src/deep/');
    expect(out).not.toContain('src/deep/deeper');
    expect(lines.slice(1).filter((l) => l.includes('.git'))).toEqual([]);
  });
});

describe('str_replace', () => {
  it('replaces the single exact match', async () => {
    const outcome = await files.execute({ command: 'str_replace', path: 'src/app.ts', old_str: 'const b = 2;', new_str: 'const b = 3;' });
    expect(outcome.isError).toBe(false);
    expect(outcome.text).toContain('     2\tconst b = 3;');
    expect(await read('src/app.ts')).toBe('const a = 1;\nconst b = 3;\nexport { a, b };\n');
  });

  it('says so when nothing matches, and leaves the file alone', async () => {
    expect(await refused({ command: 'str_replace', path: 'src/app.ts', old_str: 'const c = 3;', new_str: '' })).toMatch(/old_str was not found in src\/app.ts/);
    expect(await read('src/app.ts')).toBe('const a = 1;\nconst b = 2;\nexport { a, b };\n');
  });

  it('reports how many matches and on which lines when old_str is ambiguous', async () => {
    await fs.writeFile(path.join(root, 'dup.ts'), 'x();\ny();\nx();\nz();\nx();\n');
    const text = await refused({ command: 'str_replace', path: 'dup.ts', old_str: 'x();', new_str: 'w();' });
    expect(text).toContain('occurs 3 times');
    expect(text).toContain('lines 1, 3, 5');
    expect(await read('dup.ts')).toBe('x();\ny();\nx();\nz();\nx();\n');
  });

  it('inserts new_str literally, $-patterns included', async () => {
    await files.execute({ command: 'str_replace', path: 'src/app.ts', old_str: 'const a = 1;', new_str: "const a = '$&$1';" });
    expect(await read('src/app.ts')).toContain("const a = '$&$1';");
  });

  it('deletes the match when new_str is omitted', async () => {
    await files.execute({ command: 'str_replace', path: 'src/app.ts', old_str: 'const b = 2;\n' });
    expect(await read('src/app.ts')).toBe('const a = 1;\nexport { a, b };\n');
  });
});

describe('insert and create', () => {
  it('inserts after the given line, 0 meaning the top', async () => {
    await files.execute({ command: 'insert', path: 'src/app.ts', insert_line: 0, insert_text: '// header' });
    await files.execute({ command: 'insert', path: 'src/app.ts', insert_line: 2, insert_text: 'const between = 0;\nconst also = 1;\n' });
    expect(await read('src/app.ts')).toBe('// header\nconst a = 1;\nconst between = 0;\nconst also = 1;\nconst b = 2;\nexport { a, b };\n');
    expect(await refused({ command: 'insert', path: 'src/app.ts', insert_line: 99, insert_text: 'x' })).toMatch(/between 0 .* and 6/);
  });

  it('creates files with their parent directories and keeps an existing mode', async () => {
    await fs.writeFile(path.join(root, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    await files.execute({ command: 'create', path: 'new/dir/file.md', file_text: '# hi\n' });
    await files.execute({ command: 'str_replace', path: 'run.sh', old_str: 'echo hi', new_str: 'echo bye' });
    expect(await read('new/dir/file.md')).toBe('# hi\n');
    expect((await fs.stat(path.join(root, 'run.sh'))).mode & 0o777).toBe(0o755);
  });

  it('refuses to edit a file that does not exist, pointing at create', async () => {
    expect(await refused({ command: 'str_replace', path: 'nope.ts', old_str: 'a', new_str: 'b' })).toMatch(/does not exist. Use create/);
  });
});

describe('changed files and atomic writes', () => {
  it('tracks each changed relative path once, and nothing for views or refusals', async () => {
    await files.execute({ command: 'view', path: 'src/app.ts' });
    await files.execute({ command: 'str_replace', path: 'src/app.ts', old_str: 'const a = 1;', new_str: 'const a = 2;' });
    await files.execute({ command: 'insert', path: 'src/app.ts', insert_line: 0, insert_text: '// x' });
    await files.execute({ command: 'create', path: 'docs/notes.md', file_text: 'n\n' });
    await files.execute({ command: 'create', path: '../escape.md', file_text: 'n\n' });
    expect(files.changedFiles()).toEqual(['docs/notes.md', 'src/app.ts']);
  });

  it('leaves no temporary files behind', async () => {
    await files.execute({ command: 'create', path: 'src/new.ts', file_text: 'export {};\n' });
    await files.execute({ command: 'str_replace', path: 'src/new.ts', old_str: 'export {};', new_str: 'export const n = 1;' });
    expect((await fs.readdir(path.join(root, 'src'))).sort()).toEqual(['app.ts', 'deep', 'new.ts']);
  });
});

describe('tolerant str_replace', () => {
  const crlf = 'def total(items):\r\n    return sum(items)\r\n';

  it('applies an LF old_str to a CRLF file, keeps CRLF, and says what it set aside', async () => {
    await fs.writeFile(path.join(root, 'calc.py'), crlf);
    const outcome = await files.execute({
      command: 'str_replace',
      path: 'calc.py',
      old_str: 'def total(items):\n    return sum(items)\n',
      new_str: 'def total(items):\n    return round(sum(items), 2)\n',
    });
    expect(outcome.isError).toBe(false);
    expect(outcome.text).toContain('once differences in line endings were set aside');
    expect(await read('calc.py')).toBe('def total(items):\r\n    return round(sum(items), 2)\r\n');
  });

  it('with { tolerant: false } matches exactly and nothing else', async () => {
    await fs.writeFile(path.join(root, 'calc.py'), crlf);
    const exactOnly = await WorktreeFiles.open(root, { tolerant: false });
    const outcome = await exactOnly.execute({ command: 'str_replace', path: 'calc.py', old_str: 'def total(items):\n    return', new_str: 'x' });
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toMatch(/old_str was not found in calc.py. It must match the file exactly/);
    expect(await read('calc.py')).toBe(crlf);
    expect(exactOnly.changedFiles()).toEqual([]);
  });

  it('inserts lines with the file line endings, and as typed when tolerance is off', async () => {
    await fs.writeFile(path.join(root, 'calc.py'), crlf);
    await files.execute({ command: 'insert', path: 'calc.py', insert_line: 0, insert_text: 'import math\n\n' });
    expect(await read('calc.py')).toBe(`import math\r\n\r\n${crlf}`);
    const exactOnly = await WorktreeFiles.open(root, { tolerant: false });
    await exactOnly.execute({ command: 'insert', path: 'calc.py', insert_line: 0, insert_text: '# header' });
    expect(await read('calc.py')).toBe(`# header\nimport math\r\n\r\n${crlf}`);
  });

  it('keeps a CRLF file without a final newline that way when inserting after its last line', async () => {
    await fs.writeFile(path.join(root, 'list.txt'), 'a\r\nb');
    await files.execute({ command: 'insert', path: 'list.txt', insert_line: 2, insert_text: 'c\n' });
    expect(await read('list.txt')).toBe('a\r\nb\r\nc');
  });

  it('lists at most 20 places when old_str occurs too often to be useful', async () => {
    await fs.writeFile(path.join(root, 'many.txt'), 'x\n'.repeat(30));
    const text = await refused({ command: 'str_replace', path: 'many.txt', old_str: 'x', new_str: 'y' });
    expect(text).toContain('occurs 30 times');
    expect(text).toContain('at lines 1, 2, 3');
    expect(text).toContain('20 and 10 more');
  });

  it('refuses an old_str that equals new_str before looking at the file', async () => {
    expect(await refused({ command: 'str_replace', path: 'nope.ts', old_str: 'a', new_str: 'a' })).toMatch(/identical/);
  });
});
