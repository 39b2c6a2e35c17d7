import { describe, expect, it } from 'vitest';
import { exclusionOf, isTestFile, languageFromShebang, languageOf, testSubject } from '../../src/adapters/context/file-kinds';
import { extractSymbols, type CodeSymbol } from '../../src/adapters/context/symbols';

const names = (symbols: CodeSymbol[]) => symbols.map((s) => `${s.kind} ${s.name}`);

describe('symbol extraction', () => {
  it('TypeScript and JavaScript: functions, classes, types, members, exports', () => {
    const src = [
      "import { x } from './x';",
      'export async function buildMap(root: string): Promise<void> {',
      '  const local = 1;',
      '  if (local) {',
      '    doThing(local);',
      '  }',
      '}',
      'export default class RepoMapper extends Base {',
      '  private readonly cache = new Map();',
      '  async build(worktree: string, issue: Issue): Promise<RepoContext> {',
      '  static from(options: Options) {',
      '  constructor(private readonly x: number) {',
      '  private async rank(',
      '  for (const f of files) {',
      '}',
      'export interface RankedFile {',
      'export type Score = number;',
      'type Internal<T> = T[];',
      'export enum Kind { A, B }',
      'export const estimate = (text: string): number => text.length;',
      'const helper = async (a) => a;',
      'export const LIMIT = 10;',
      'const MAX_LINES = 400;',
      'const notExported = 3;',
      'export { alpha, beta as gamma, type Delta };',
      'module.exports.legacy = function () {};',
      'function* walk() {}',
    ].join('\n');
    expect(names(extractSymbols(src, 'ts'))).toEqual([
      'function buildMap',
      'class RepoMapper',
      'method build',
      'method from',
      'method rank',
      'interface RankedFile',
      'type Score',
      'type Internal',
      'enum Kind',
      'function estimate',
      'function helper',
      'const LIMIT',
      'const MAX_LINES',
      'export alpha',
      'export gamma',
      'export Delta',
      'export legacy',
      'function walk',
    ]);
    const build = extractSymbols(src, 'ts').find((s) => s.name === 'buildMap')!;
    expect(build).toMatchObject({ line: 2, exported: true });
  });

  it('Python: functions, methods, classes, constants', () => {
    const src = ['MAX_RETRIES = 3', 'class TaskStore(Base):', '    def save(self, task):', '        pass', '    async def load(self):', '        pass', 'def _private():', '    x = 1', 'async def fetch_issue(ref):', '    if x == 2:', '        pass'].join('\n');
    const found = extractSymbols(src, 'python');
    expect(names(found)).toEqual(['const MAX_RETRIES', 'class TaskStore', 'method save', 'method load', 'function _private', 'function fetch_issue']);
    expect(found.find((s) => s.name === '_private')!.exported).toBe(false);
    expect(found.find((s) => s.name === 'fetch_issue')!.exported).toBe(true);
  });

  it('Go: functions, methods, types in and out of groups', () => {
    const src = ['package store', 'type Store struct {', '\tdir string', '}', 'type (', '\tReader interface {', '\t\tRead() error', '\t}', '\tID string', ')', 'func New(dir string) *Store {', 'func (s *Store) Save(t Task) error {', 'const Version = "1"', 'var errGone = errors.New("gone")'].join('\n');
    const found = extractSymbols(src, 'go');
    expect(names(found)).toEqual(['struct Store', 'interface Reader', 'type ID', 'function New', 'method Save', 'const Version', 'const errGone']);
    expect(found.find((s) => s.name === 'errGone')!.exported).toBe(false);
  });

  it('Rust: fns, structs, enums, traits, impls, modules, macros', () => {
    const src = ['pub struct Map {', '    files: Vec<String>,', '}', 'pub(crate) enum Kind { A }', 'pub trait Mapper {', '    fn build(&self) -> Map;', '}', 'impl<T: Clone> Mapper for Wrapper<T> {', '    pub fn build(&self) -> Map {', '}', 'impl Map {', 'pub async fn load(path: &Path) -> Result<Map> {', 'mod tests {', 'macro_rules! bail {', 'pub const LIMIT: usize = 3;', 'type Result<T> = std::result::Result<T, Error>;'].join('\n');
    expect(names(extractSymbols(src, 'rust'))).toEqual(['struct Map', 'enum Kind', 'trait Mapper', 'method build', 'impl Wrapper', 'method build', 'impl Map', 'function load', 'module tests', 'function bail', 'const LIMIT', 'type Result']);
  });

  it('Java: types and method declarations, not calls or fields', () => {
    const src = [
      'package com.acme;',
      'public final class InvoiceService implements Service {',
      '    private final Repo repo = new Repo();',
      '    public InvoiceService(Repo repo) {',
      '    public List<Invoice> findAll(int page) throws IOException {',
      '    static int count() {',
      '        int total = compute(page);',
      '        repo.save(invoice);',
      '        return helper(x);',
      '        if (x) {',
      '    }',
      '}',
      'interface Service {}',
      'enum State { OPEN }',
      'public record Point(int x, int y) {}',
    ].join('\n');
    expect(names(extractSymbols(src, 'java'))).toEqual(['class InvoiceService', 'method InvoiceService', 'method findAll', 'method count', 'interface Service', 'enum State', 'class Point']);
  });

  it('Ruby: classes, modules, methods, constants', () => {
    const src = ['module Billing', '  TAX_RATE = 0.2', '  class Invoice < Base', '    def self.build(attrs)', '    def total?', '    def paid!', '  end', 'end'].join('\n');
    expect(names(extractSymbols(src, 'ruby'))).toEqual(['module Billing', 'const TAX_RATE', 'class Invoice', 'method build', 'method total?', 'method paid!']);
  });

  it('shell: functions in both syntaxes and exported variables', () => {
    const src = ['#!/usr/bin/env bash', 'export PYENV_ROOT="$HOME/.pyenv"', 'VERSION=1.2', 'local_var=3', 'function install_python {', 'resolve-version() {', '  echo "$(date)"', '  if [ -n "$x" ]; then', '}'].join('\n');
    expect(names(extractSymbols(src, 'shell'))).toEqual(['variable PYENV_ROOT', 'variable VERSION', 'function install_python', 'function resolve-version']);
  });

  it('YAML: keys of the first two levels, block scalars skipped', () => {
    const src = ['name: ci', 'on: [push]', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', '      - run: |', '          echo: not a key', '  deploy:', '    script: |', '      notakey: 1', 'services:', '  "web-app":', '    image: x', '# comment: no'].join('\n');
    expect(names(extractSymbols(src, 'yaml'))).toEqual(['key name', 'key on', 'key jobs', 'key test', 'key deploy', 'key services', 'key web-app']);
  });

  it('Markdown: headings outside code fences', () => {
    const src = ['# Rig', 'text', '## Install', '```bash', '# not a heading', '```', '### Use it ###', '#### too deep'].join('\n');
    expect(names(extractSymbols(src, 'markdown'))).toEqual(['heading Rig', 'heading Install', 'heading Use it']);
  });

  it('skips generated lines and caps definitions per file', () => {
    const long = `export function ${'x'.repeat(500)}() {}`;
    expect(extractSymbols(long, 'ts')).toEqual([]);
    const many = Array.from({ length: 1000 }, (_, i) => `export function f${i}() {}`).join('\n');
    expect(extractSymbols(many, 'ts')).toHaveLength(400);
  });
});

describe('file kinds', () => {
  it('knows languages by extension, name and shebang', () => {
    expect(languageOf('src/a/b.tsx')).toBe('ts');
    expect(languageOf('lib/x.mjs')).toBe('ts');
    expect(languageOf('tools/run.py')).toBe('python');
    expect(languageOf('Rakefile')).toBe('ruby');
    expect(languageOf('deploy/app.YML')).toBe('yaml');
    expect(languageOf('bin/pyenv')).toBeNull();
    expect(languageOf('image.png')).toBeNull();
    expect(languageFromShebang('#!/usr/bin/env bash')).toBe('shell');
    expect(languageFromShebang('#!/bin/sh -e')).toBe('shell');
    expect(languageFromShebang('#!/usr/bin/env python3')).toBe('python');
    expect(languageFromShebang('#!/usr/bin/env node')).toBe('ts');
    expect(languageFromShebang('echo hi')).toBeNull();
  });

  it('excludes vendored trees, lockfiles, binaries and minified bundles', () => {
    expect(exclusionOf('web/node_modules/left-pad/index.js')).toBe('vendored');
    expect(exclusionOf('vendor/github.com/x/y.go')).toBe('vendored');
    expect(exclusionOf('dist/cli.cjs')).toBe('vendored');
    expect(exclusionOf('package-lock.json')).toBe('lockfile');
    expect(exclusionOf('rust/Cargo.lock')).toBe('lockfile');
    expect(exclusionOf('go.sum')).toBe('lockfile');
    expect(exclusionOf('media/logo.PNG')).toBe('binary');
    expect(exclusionOf('static/app.min.js')).toBe('minified');
    expect(exclusionOf('src/dist.ts')).toBeNull();
    expect(exclusionOf('src/build/index.ts')).toBe('vendored');
    expect(exclusionOf('README.md')).toBeNull();
  });

  it('recognises tests and what they test', () => {
    expect(testSubject('test/unit/git-cli.test.ts')).toBe('git-cli');
    expect(testSubject('tests/test_parser.py')).toBe('parser');
    expect(testSubject('store/store_test.go')).toBe('store');
    expect(testSubject('src/test/java/a/InvoiceServiceTest.java')).toBe('invoiceservice');
    expect(testSubject('spec/invoice_spec.rb')).toBe('invoice');
    expect(testSubject('src/parser.ts')).toBeNull();
    expect(isTestFile('test/helpers/git-repo.ts')).toBe(true);
    expect(isTestFile('src/latest.ts')).toBe(false);
  });
});
