import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { spawn } from 'node:child_process';
import * as net from '../../../netmgr/netmgr.ts';
import { NetError } from '../../../netmgr/errors.ts';
import { netEnv, hostSnapshot, leaks, serveInNs, httpGetInNs } from './helpers.ts';

const UDP_ECHO = "const s = require('node:dgram').createSocket('udp4'); s.on('message', (m, r) => s.send('echo: ' + m, r.port, r.address)); s.bind(5353);";
const id = () => randomBytes(32).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

test('HTTP and UDP reach a container through published ports from the host loopback, and a taken port is a clear error', async (t) => {
  const env = netEnv('netports');
  const before = hostSnapshot();
  const ours: string[] = [];
  const c = id();
  const name = `${env.project}_default`;
  const procs: { kill(s: NodeJS.Signals): unknown }[] = [];
  try {
    const st = await net.ensureNetwork(env.project, 'default', { name });
    ours.push(st.bridge);
    const ns = net.createNetns(c);
    const [ep] = await net.attach(ns, { id: c, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web' }, [{ network: st, cfg: null }]);
    ours.push(ep!.veth);
    const httpd = serveInNs(ns, ['httpd', '-f', '-p', '80', '-h', '/etc']);
    procs.push(httpd);
    // Debian's busybox nc has no -u: a UDP echo server in Node, run inside the namespace.
    const udp = spawn('nsenter', [`--net=${ns}`, process.execPath, '-e', UDP_ECHO], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(udp);
    const httpPort = await freePort();
    const anyPort = await freePort();
    const bindings = await net.publish(c, [
      { mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: String(httpPort), protocol: 'tcp' },
      { mode: 'ingress', target: 5353, protocol: 'udp' },
      { mode: 'ingress', target: 80, published: `${anyPort}`, protocol: 'tcp' },
    ], ns);
    assert.equal(bindings[0], `127.0.0.1:${httpPort}->80/tcp`);
    const udpPort = Number(/0\.0\.0\.0:(\d+)->5353\/udp/.exec(bindings[1] ?? '')?.[1]);
    assert.ok(udpPort > 0, `a random host port was chosen: ${bindings[1]}`);
    await sleep(150);

    const res = await fetch(`http://127.0.0.1:${httpPort}/hostname`, { signal: AbortSignal.timeout(4000) });
    assert.equal(res.status, 200);

    const sock = createSocket('udp4');
    let udpGot = '';
    sock.on('message', (m) => { udpGot = m.toString(); });
    for (let i = 0; i < 10 && !udpGot; i++) {
      sock.send('ping over udp', udpPort, '127.0.0.1');
      await sleep(100);
    }
    sock.close();
    assert.equal(udpGot, 'echo: ping over udp');

    // A port bound by someone else on the host is refused naming the service and the port.
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const taken = (squatter.address() as { port: number }).port;
    const other = id();
    const ns2 = net.createNetns(other);
    try {
      const [ep2] = await net.attach(ns2, { id: other, name: `${env.project}-api-1`, service: 'api', aliases: [], hostname: 'api' }, [{ network: st, cfg: null }]);
      ours.push(ep2!.veth);
      // From another container through the host's address on the bridge (the gateway): the port
      // published on every address answers; the one published on 127.0.0.1 only does not.
      const viaGw = httpGetInNs(ns2, st.gateway, anyPort, '/hostname');
      assert.equal(viaGw.code, 0, viaGw.out);
      assert.notEqual(httpGetInNs(ns2, st.gateway, httpPort, '/hostname').code, 0, 'host_ip 127.0.0.1 is honoured');
      await assert.rejects(net.publish(other, [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: String(taken), protocol: 'tcp' }]),
        (e: unknown) => e instanceof NetError && e.code === 'NET_PORT_CONFLICT' && e.message.includes(`"${taken}"`) && e.message.includes('"api"'));
      // A port our own DNAT already claims is refused too, though nothing listens on it.
      await assert.rejects(net.publish(other, [{ mode: 'ingress', target: 81, published: String(httpPort), protocol: 'tcp' }]),
        (e: unknown) => e instanceof NetError && e.code === 'NET_PORT_CONFLICT');
    } finally {
      await new Promise((r) => squatter.close(r));
      await net.unpublish(other);
      await net.detach(other);
      net.removeNetns(other);
    }
    t.diagnostic(bindings.join(', '));
    await net.unpublish(c);
    await net.unpublish(c);
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await net.unpublish(c).catch(() => undefined);
    await net.detach(c);
    net.removeNetns(c);
    await net.removeNetwork(name, { project: env.project }).catch(() => undefined);
    const left = await leaks(env, before, ours);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});
