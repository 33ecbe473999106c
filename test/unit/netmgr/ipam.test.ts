import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSubnet, nextAddress, type SubnetRequest } from '../../../netmgr/ipam.ts';
import { NetError } from '../../../netmgr/errors.ts';

const base: SubnetRequest = { network: 'p_default', used: [], hostRoutes: [] };

const subnetCases: { name: string; req: Partial<SubnetRequest>; subnet: string; gateway: string; ipRange?: string }[] = [
  { name: 'the first /24 of the default pool when nothing is used', req: {}, subnet: '10.89.0.0/24', gateway: '10.89.0.1' },
  { name: 'skips subnets of our other networks', req: { used: [{ network: 'a', subnet: '10.89.0.0/24' }, { network: 'b', subnet: '10.89.1.0/24' }] }, subnet: '10.89.2.0/24', gateway: '10.89.2.1' },
  { name: 'fills a hole left by a removed network', req: { used: [{ network: 'a', subnet: '10.89.1.0/24' }] }, subnet: '10.89.0.0/24', gateway: '10.89.0.1' },
  { name: 'skips a subnet overlapping a host route', req: { hostRoutes: ['10.89.0.0/23'] }, subnet: '10.89.2.0/24', gateway: '10.89.2.1' },
  { name: 'skips a /24 when a smaller host route sits inside it', req: { hostRoutes: ['10.89.0.128/25'] }, subnet: '10.89.1.0/24', gateway: '10.89.1.1' },
  { name: 'ignores the default route', req: { hostRoutes: ['0.0.0.0/0', '192.0.2.0/24'] }, subnet: '10.89.0.0/24', gateway: '10.89.0.1' },
  { name: 'a used supernet blocks every /24 inside it', req: { used: [{ network: 'big', subnet: '10.89.0.0/22' }] }, subnet: '10.89.4.0/24', gateway: '10.89.4.1' },
  { name: 'honours a configured pool and prefix', req: { pool: '172.30.0.0/16', prefix: 28, used: [{ network: 'a', subnet: '172.30.0.0/28' }] }, subnet: '172.30.0.16/28', gateway: '172.30.0.17' },
  { name: 'honours a declared subnet', req: { ipam: { config: [{ subnet: '192.168.77.0/24' }] } }, subnet: '192.168.77.0/24', gateway: '192.168.77.1' },
  { name: 'honours a declared gateway and ip_range', req: { ipam: { config: [{ subnet: '10.10.0.0/16', gateway: '10.10.0.254', ip_range: '10.10.5.0/24' }] } }, subnet: '10.10.0.0/16', gateway: '10.10.0.254', ipRange: '10.10.5.0/24' },
  { name: 'clears host bits written in a declared subnet', req: { ipam: { config: [{ subnet: '10.20.0.9/24' }] } }, subnet: '10.20.0.0/24', gateway: '10.20.0.1' },
  { name: 'a declared subnet may overlap a host route (the user asked for it)', req: { hostRoutes: ['10.30.0.0/16'], ipam: { config: [{ subnet: '10.30.1.0/24' }] } }, subnet: '10.30.1.0/24', gateway: '10.30.1.1' },
];

for (const c of subnetCases) {
  test(`planSubnet: ${c.name}`, () => {
    const p = planSubnet({ ...base, ...c.req });
    assert.equal(p.subnet, c.subnet);
    assert.equal(p.gateway, c.gateway);
    assert.equal(p.ipRange, c.ipRange);
  });
}

test('planSubnet: a declared subnet overlapping another network is refused naming both networks', () => {
  assert.throws(
    () => planSubnet({ ...base, network: 'p_back', used: [{ network: 'p_front', subnet: '10.10.0.0/16' }], ipam: { config: [{ subnet: '10.10.3.0/24' }] } }),
    (e: unknown) => e instanceof NetError && e.code === 'NET_OVERLAP' && /"p_back".*10\.10\.3\.0\/24.*"p_front".*10\.10\.0\.0\/16/.test(e.message),
  );
});

test('planSubnet: an exhausted pool is a clear error naming the pool', () => {
  assert.throws(
    () => planSubnet({ ...base, pool: '10.1.0.0/23', used: [{ network: 'a', subnet: '10.1.0.0/24' }], hostRoutes: ['10.1.1.0/24'] }),
    (e: unknown) => e instanceof NetError && e.code === 'NET_POOL_EXHAUSTED' && e.message.includes('10.1.0.0/23'),
  );
});

const badCases: { name: string; req: Partial<SubnetRequest>; re: RegExp }[] = [
  { name: 'a subnet that does not parse', req: { ipam: { config: [{ subnet: '10.0.0/24' }] } }, re: /Invalid IPv4/ },
  { name: 'an octet above 255', req: { ipam: { config: [{ subnet: '10.0.300.0/24' }] } }, re: /Invalid IPv4 address/ },
  { name: 'a gateway outside the subnet', req: { ipam: { config: [{ subnet: '10.0.0.0/24', gateway: '10.0.1.1' }] } }, re: /gateway 10\.0\.1\.1 is not a host address/ },
  { name: 'a gateway on the broadcast address', req: { ipam: { config: [{ subnet: '10.0.0.0/24', gateway: '10.0.0.255' }] } }, re: /not a host address/ },
  { name: 'an ip_range outside the subnet', req: { ipam: { config: [{ subnet: '10.0.0.0/24', ip_range: '10.0.1.0/25' }] } }, re: /ip_range .* not inside/ },
];
for (const c of badCases) {
  test(`planSubnet refuses ${c.name}`, () => {
    assert.throws(() => planSubnet({ ...base, ...c.req }), (e: unknown) => e instanceof NetError && c.re.test(e.message));
  });
}

const pool = { network: 'p_default', subnet: '10.89.0.0/24', gateway: '10.89.0.1' };
const addrCases: { name: string; pool: typeof pool & { ipRange?: string; reserved?: string[] }; taken: string[]; requested?: string; want: string }[] = [
  { name: 'first host after the gateway', pool, taken: [], want: '10.89.0.2' },
  { name: 'skips taken addresses', pool, taken: ['10.89.0.2', '10.89.0.3'], want: '10.89.0.4' },
  { name: 'reuses a freed address', pool, taken: ['10.89.0.3'], want: '10.89.0.2' },
  { name: 'skips a gateway that is not the first address', pool: { ...pool, gateway: '10.89.0.254' }, taken: [], want: '10.89.0.1' },
  { name: 'starts at the ip_range', pool: { ...pool, ipRange: '10.89.0.64/26' }, taken: [], want: '10.89.0.64' },
  { name: 'skips reserved aux addresses', pool: { ...pool, reserved: ['10.89.0.2'] }, taken: [], want: '10.89.0.3' },
  { name: 'honours ipv4_address', pool, taken: ['10.89.0.2'], requested: '10.89.0.50', want: '10.89.0.50' },
];
for (const c of addrCases) {
  test(`nextAddress: ${c.name}`, () => {
    assert.equal(nextAddress(c.pool, c.taken, c.requested), c.want);
  });
}

test('nextAddress refuses an ipv4_address that is taken, the gateway, or outside the subnet', () => {
  assert.throws(() => nextAddress(pool, ['10.89.0.9'], '10.89.0.9'), /10\.89\.0\.9 on network "p_default" is already in use/);
  assert.throws(() => nextAddress(pool, [], '10.89.0.1'), /gateway/);
  assert.throws(() => nextAddress(pool, [], '10.90.0.5'), /not a host address of network "p_default"/);
});

test('nextAddress reports a full subnet', () => {
  const small = { network: 'tiny', subnet: '10.0.0.0/30', gateway: '10.0.0.1' };
  assert.equal(nextAddress(small, [], undefined), '10.0.0.2');
  assert.throws(() => nextAddress(small, ['10.0.0.2']), (e: unknown) => e instanceof NetError && e.code === 'NET_NO_ADDRESS');
});
