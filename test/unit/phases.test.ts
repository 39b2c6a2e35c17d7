import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/core/model';
import { assertTransition, canTransition, InvalidTransitionError } from '../../src/core/phases';

describe('phase transitions', () => {
  it('walks the happy path of the pipeline', () => {
    const path = ['queued', 'planning', 'coding', 'committing', 'awaiting_approval', 'deploying', 'testing', 'reporting', 'completed'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`).toBe(true);
  });

  it('allows self-healing and the infra-proposal loop', () => {
    expect(canTransition('testing', 'coding')).toBe(true);
    expect(canTransition('deploying', 'awaiting_approval')).toBe(true);
    expect(canTransition('awaiting_approval', 'committing')).toBe(true);
    expect(canTransition('testing', 'rollback')).toBe(true);
    expect(canTransition('rollback', 'failed')).toBe(true);
  });

  it('refuses skipping phases', () => {
    expect(canTransition('planning', 'deploying')).toBe(false);
    expect(canTransition('coding', 'testing')).toBe(false);
    expect(canTransition('reporting', 'coding')).toBe(false);
    expect(() => assertTransition('coding', 'deploying')).toThrow(InvalidTransitionError);
    expect(() => assertTransition('coding', 'deploying')).toThrow('coding → deploying');
  });

  it('lets every live phase fail, be cancelled, time out or be interrupted', () => {
    const live = PHASES.filter((p) => !['completed', 'failed', 'cancelled', 'interrupted', 'timed_out'].includes(p));
    for (const from of live) for (const to of ['failed', 'cancelled', 'timed_out', 'interrupted'] as const) expect(canTransition(from, to)).toBe(true);
  });

  it('ends for good at completed; other endings may only be restarted through queued', () => {
    for (const to of PHASES) expect(canTransition('completed', to)).toBe(false);
    for (const from of ['failed', 'cancelled', 'interrupted', 'timed_out'] as const) {
      expect(canTransition(from, 'queued')).toBe(true);
      expect(canTransition(from, 'coding')).toBe(false);
      expect(canTransition(from, 'failed')).toBe(false);
    }
  });
});
