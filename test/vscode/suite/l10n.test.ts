import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { extensionPath, packageJson } from './helpers';

describe('localisation', () => {
  const root = () => extensionPath();
  const read = (file: string) => JSON.parse(readFileSync(path.join(root(), file), 'utf8')) as Record<string, string>;

  it('ships English and Korean bundles for the manifest', () => {
    const en = read('package.nls.json');
    const ko = read('package.nls.ko.json');
    for (const key of Object.keys(en)) assert.ok(ko[key], `package.nls.ko.json lacks ${key}`);
  });

  it('ships a Korean bundle for the runtime strings', () => {
    assert.equal(packageJson().l10n, './l10n');
    const file = path.join(root(), 'l10n', 'bundle.l10n.ko.json');
    assert.ok(existsSync(file));
    const ko = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    assert.ok(Object.keys(ko).length > 20);
    assert.ok(ko['Running'], 'Running has a Korean translation');
  });
});
