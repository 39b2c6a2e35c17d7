// Replaced at build time from package.json; the fallback serves tests run from source.
declare const __RIG_VERSION__: string | undefined;
export const VERSION: string = typeof __RIG_VERSION__ === 'string' ? __RIG_VERSION__ : '0.0.0-dev';
