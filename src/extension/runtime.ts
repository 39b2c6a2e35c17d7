type Runtime = typeof import('./runtime-entry');

let loaded: Promise<Runtime> | undefined;

/** The engine and its clients, loaded the first time a command needs them (see runtime-entry.ts). */
export function loadRuntime(): Promise<Runtime> {
  loaded ??= import('./runtime-entry');
  return loaded;
}
