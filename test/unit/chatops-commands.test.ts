import { describe, expect, it } from 'vitest';
import { ProjectRegistry } from '../../src/server/api/projects';
import { TaskActions } from '../../src/server/api/task-actions';
import { CHAT_HELP, ChatCommands, mayAct } from '../../src/server/chatops/commands';

describe('who may act from chat', () => {
  it('allows listed users only, by platform-qualified or bare id', () => {
    const allow = ['slack:U2CERLKJA', '80351110224678912'];
    expect(mayAct(allow, 'slack', 'U2CERLKJA')).toBe(true);
    expect(mayAct(allow, 'discord', 'U2CERLKJA')).toBe(false);
    expect(mayAct(allow, 'discord', '80351110224678912')).toBe(true);
    expect(mayAct(allow, 'slack', '80351110224678912')).toBe(true);
    expect(mayAct(allow, 'slack', 'U999')).toBe(false);
  });

  it('allows nobody when the list is empty or the id is missing', () => {
    expect(mayAct([], 'slack', 'U2CERLKJA')).toBe(false);
    expect(mayAct(['slack:'], 'slack', '')).toBe(false);
  });
});

describe('chat commands without projects', () => {
  const registry = new ProjectRegistry([]);
  const logged: string[] = [];
  const commands = new ChatCommands(registry, new TaskActions(registry, (_l, m) => logged.push(m)), ['slack:UOK'], (_l, m) => logged.push(m));
  const run = (text: string, userId = 'UOK') => commands.run({ platform: 'slack', userId, userName: 'someone', text });

  it('shows the help for nothing and for help, and names an unknown command', async () => {
    expect(await run('')).toEqual({ text: CHAT_HELP, inChannel: false });
    expect(await run('help')).toEqual({ text: CHAT_HELP, inChannel: false });
    expect((await run('deploy everything')).text).toMatch(/^Unknown command "deploy"/);
  });

  it('answers status and tasks when there are none', async () => {
    expect(await run('status')).toEqual({ text: 'No tasks yet.', inChannel: false });
    expect(await run('TASKS')).toEqual({ text: 'No tasks yet.', inChannel: false });
  });

  it('says what is missing or wrong instead of failing', async () => {
    expect((await run('logs')).text).toBe('logs: usage: logs <task-id>');
    expect((await run('logs ../../etc')).text).toBe('logs: invalid task id');
    expect((await run('logs t1')).text).toBe('logs: no task "t1"');
    expect((await run('exec not-a-url')).text).toMatch(/^exec: Not an issue reference/);
    expect((await run('exec <https://github.com/acme/shop/issues/3|acme/shop#3>')).text).toBe('exec: no project handles acme/shop');
  });

  it('refuses exec, approve and reject to users not on the allow-list, and tells them their id', async () => {
    for (const command of ['exec https://github.com/acme/shop/issues/3', 'approve t1', 'reject t1']) {
      const reply = await run(command, 'UNOPE');
      expect(reply.text).toContain('you may not');
      expect(reply.text).toContain('"slack:UNOPE"');
      expect(reply.inChannel).toBe(false);
    }
    expect(logged).toEqual([]);
  });
});
