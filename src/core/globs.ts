import picomatch from 'picomatch';

const cache = new Map<string, (path: string) => boolean>();

/** rig.yaml globs (`deploy/*.yml`, `k8s/**`) against repository-relative paths; dotfiles included. */
export function matchesAny(file: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    let matcher = cache.get(pattern);
    if (!matcher) {
      matcher = picomatch(pattern, { dot: true });
      cache.set(pattern, matcher);
    }
    return matcher(file);
  });
}
