// What kind of file a path is, decided from the path alone so that it costs nothing per file.
import path from 'node:path';

export type Language = 'ts' | 'python' | 'go' | 'rust' | 'java' | 'ruby' | 'shell' | 'yaml' | 'markdown';

const BY_EXTENSION: Record<string, Language> = {
  '.ts': 'ts',
  '.tsx': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.js': 'ts',
  '.jsx': 'ts',
  '.mjs': 'ts',
  '.cjs': 'ts',
  '.py': 'python',
  '.pyi': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.rb': 'ruby',
  '.rake': 'ruby',
  '.gemspec': 'ruby',
  '.sh': 'shell',
  '.bash': 'shell',
  '.zsh': 'shell',
  '.ksh': 'shell',
  '.yml': 'yaml',
  '.yaml': 'yaml',
  '.md': 'markdown',
  '.markdown': 'markdown',
};

const BY_NAME: Record<string, Language> = {
  Rakefile: 'ruby',
  Gemfile: 'ruby',
  '.bashrc': 'shell',
  '.profile': 'shell',
};

/** The language of a path by its name; extension-less scripts are recognised later by their shebang. */
export function languageOf(file: string): Language | null {
  const base = path.posix.basename(file);
  return BY_NAME[base] ?? BY_EXTENSION[path.posix.extname(base).toLowerCase()] ?? null;
}

export function languageFromShebang(firstLine: string): Language | null {
  if (!firstLine.startsWith('#!')) return null;
  if (/\b(?:ba|z|k|da)?sh\b/.test(firstLine)) return 'shell';
  if (/\bpython[0-9.]*\b/.test(firstLine)) return 'python';
  if (/\bnode\b|\bdeno\b|\bbun\b/.test(firstLine)) return 'ts';
  if (/\bruby\b/.test(firstLine)) return 'ruby';
  return null;
}

// Directories whose content is someone else's code or a build's output: their symbols and words
// would drown the project's own.
export const VENDORED_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  'bower_components',
  'vendor',
  'third_party',
  'third-party',
  'thirdparty',
  'dist',
  'build',
  'out',
  'target',
  'coverage',
  '.git',
  '.venv',
  'venv',
  '__pycache__',
  '.next',
  '.nuxt',
  '.yarn',
  '.pnpm-store',
  '.gradle',
  '.terraform',
]);

export const LOCKFILES: ReadonlySet<string> = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'Cargo.lock',
  'Gemfile.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'composer.lock',
  'go.sum',
  'flake.lock',
  'mix.lock',
  'Podfile.lock',
  'packages.lock.json',
]);

const BINARY_EXTENSIONS = new Set(
  `.png .jpg .jpeg .gif .bmp .ico .icns .webp .avif .tif .tiff .psd .svgz .pdf .zip .gz .tgz .bz2 .xz .zst
  .7z .rar .tar .jar .war .ear .class .so .dylib .dll .exe .o .a .lib .obj .bin .dat .db .sqlite .wasm
  .woff .woff2 .ttf .otf .eot .mp3 .mp4 .m4a .wav .ogg .flac .mov .avi .mkv .webm .pyc .pyo .node
  .vsix .deb .rpm .dmg .iso .img .parquet .npy .npz .pt .pth .onnx .safetensors .gguf .pb .h5 .pkl`
    .split(/\s+/)
    .filter(Boolean),
);

export type Exclusion = 'vendored' | 'lockfile' | 'binary' | 'minified';

/** Why a path is kept out of symbol extraction and content search, or null when it is the project's own. */
export function exclusionOf(file: string): Exclusion | null {
  const segments = file.split('/');
  if (segments.slice(0, -1).some((s) => VENDORED_DIRS.has(s))) return 'vendored';
  const base = segments[segments.length - 1]!;
  if (LOCKFILES.has(base)) return 'lockfile';
  const lower = base.toLowerCase();
  if (BINARY_EXTENSIONS.has(path.posix.extname(lower))) return 'binary';
  if (/\.min\.(?:js|css|mjs)$|\.bundle\.js$|\.map$/.test(lower)) return 'minified';
  return null;
}

/** The directory prefix of a vendored path ("web/node_modules/"), for collapsing it in the tree. */
export function vendoredRoot(file: string): string | null {
  const segments = file.split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    if (VENDORED_DIRS.has(segments[i]!)) return `${segments.slice(0, i + 1).join('/')}/`;
  }
  return null;
}

const TEST_NAME = /(?:^test_|_test$|_spec$|\.test$|\.spec$|-test$|-spec$|^test$|Test$|Tests$|Spec$|IT$)/;
const TEST_DIR = /^(?:tests?|__tests__|spec|specs|testing|e2e|integration|unit)$/;

export function isTestFile(file: string): boolean {
  const segments = file.split('/');
  const stemName = stemOf(segments[segments.length - 1]!);
  return TEST_NAME.test(stemName) || segments.slice(0, -1).some((s) => TEST_DIR.test(s));
}

/**
 * The name a test file is about: "git-cli" for test/unit/git-cli.test.ts, "parser" for
 * test_parser.py and parser_test.go, "Parser" for ParserTest.java.
 */
export function testSubject(file: string): string | null {
  if (!isTestFile(file)) return null;
  const stemName = stemOf(path.posix.basename(file));
  const subject = stemName
    .replace(/^test_/, '')
    .replace(/(?:_test|_spec|\.test|\.spec|-test|-spec|Tests?|Spec|IT)$/, '');
  return subject && subject !== 'test' ? subject.toLowerCase() : null;
}

/** A file name without its extensions: "repo-map.test.ts" -> "repo-map.test". */
export function stemOf(base: string): string {
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
