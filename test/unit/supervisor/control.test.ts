import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { testEnv } from '../../helpers/env.ts';
import { serveControl, controlRequest, supervisorAlive, NoSupervisorError } from '../../../executor/supervisor/control.ts';
import { EventBus } from '../../../executor/supervisor/events.ts';
import { paths } from '../../../executor/state/paths.ts';

const env = testEnv('control');
process.env.TSCOMPOSE_RUN = env.run;
after(() => env.cleanup());

test('requests get their answers over the 0600 socket; errors come back as typed errors', async () => {
  const bus = new EventBus();
  const server = await serveControl(env.project, {
    handle: async (op, args) => { if (op === 'shutdown') throw new Error('busy'); return { op, args }; },
    subscribe: (fn) => bus.subscribe(fn),
  });
  try {
    assert.equal(statSync(paths.controlSocket(env.project)).mode & 0o777, 0o600);
    assert.deepEqual(await controlRequest(env.project, 'reload', { a: 1 }), { op: 'reload', args: { a: 1 } });
    await assert.rejects(controlRequest(env.project, 'shutdown'), /Supervisor of ".*": busy/);
    assert.equal(await supervisorAlive(env.project), true);
    // events: one JSON line per event until the client closes.
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      const sock = createConnection(paths.controlSocket(env.project));
      let buf = '';
      sock.on('connect', () => sock.write(JSON.stringify({ id: 7, op: 'events' }) + '\n'));
      sock.on('data', (d) => {
        buf += d.toString();
        for (const line of buf.split('\n').slice(0, -1)) {
          const m = JSON.parse(line) as { result?: string; event?: { action: string } };
          if (m.result === 'subscribed') bus.emit({ type: 'container', action: 'start', name: 'x' });
          if (m.event) { got.push(m.event.action); sock.end(); resolve(); }
        }
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
      });
    });
    assert.deepEqual(got, ['start']);
  } finally {
    server.close();
  }
});

test('without a supervisor a request fails with NoSupervisorError at once', async () => {
  await assert.rejects(controlRequest(`${env.project}none`, 'ping'), (e: unknown) => e instanceof NoSupervisorError);
  assert.equal(await supervisorAlive(`${env.project}none`), false);
});
