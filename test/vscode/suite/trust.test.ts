import * as assert from 'node:assert/strict';
import { allowedToRun } from '../../../src/extension/trust';

describe('workspace trust', () => {
  it('refuses to run anything in an untrusted folder and says why', () => {
    const warnings: string[] = [];
    const allowed = allowedToRun('run an issue', { isTrusted: () => false, warn: (m) => warnings.push(m) });
    assert.equal(allowed, false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /not trusted/);
    assert.match(warnings[0]!, /Restricted Mode/);
  });

  it('lets a trusted folder run without a message', () => {
    const warnings: string[] = [];
    assert.equal(allowedToRun('run an issue', { isTrusted: () => true, warn: (m) => warnings.push(m) }), true);
    assert.deepEqual(warnings, []);
  });
});
