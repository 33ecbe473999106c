// A small Project builder for planner tests: the planner must not depend on schema/load.ts, so
// tests write the normalized model directly (depends_on already long form) with made-up origins.
import type { DependsOn, Project, Service } from '../../../schema/model.ts';
import type { ObservedContainer } from '../../../planner/plan.ts';
import { configHash, configKeyHashes } from '../../../planner/hash.ts';

export type ServiceInit = Partial<Omit<Service, 'depends_on'>> & {
  /** `['db']` (service_started, required) or the long form. */
  depends_on?: string[] | Record<string, Partial<DependsOn>>;
};

export function service(init: ServiceInit = {}): Service {
  const { depends_on, ...rest } = init;
  const deps: Record<string, DependsOn> = {};
  if (Array.isArray(depends_on)) for (const d of depends_on) deps[d] = { condition: 'service_started', required: true };
  else for (const [d, v] of Object.entries(depends_on ?? {})) deps[d] = { condition: 'service_started', required: true, ...v };
  return { image: 'busybox', environment: {}, labels: {}, ...rest, depends_on: deps };
}

/**
 * A project named `demo` with a `default` network; every key of every service gets a made-up
 * origin: line = 10 × (service index + 1) + key index, col 5.
 */
export function project(services: Record<string, ServiceInit>, more: Partial<Project> = {}): Project {
  const built: Record<string, Service> = {};
  const origins = new Map<string, { file: string; line: number; col: number }>();
  Object.entries(services).forEach(([name, init], i) => {
    const s = service(init);
    built[name] = s;
    origins.set(`services.${name}`, { file: 'compose.yaml', line: 10 * (i + 1), col: 3 });
    Object.keys(s).forEach((k, j) => {
      origins.set(`services.${name}.${k}`, { file: 'compose.yaml', line: 10 * (i + 1) + j + 1, col: 5 });
    });
    for (const d of Object.keys(s.depends_on)) {
      origins.set(`services.${name}.depends_on.${d}`, { file: 'compose.yaml', line: 10 * (i + 1) + 9, col: 7 });
    }
  });
  return {
    name: 'demo',
    working_dir: '/srv/demo',
    services: built,
    disabled_services: {},
    networks: { default: { name: 'demo_default' } },
    volumes: {},
    secrets: {},
    configs: {},
    extensions: {},
    origins,
    files: ['/srv/demo/compose.yaml'],
    ...more,
  };
}

let ids = 0;

/** An observed container of `service`, up to date with `p` unless `over` says otherwise. */
export function running(p: Project, svc: string, number = 1, over: Partial<ObservedContainer> = {}): ObservedContainer {
  const s = p.services[svc] ?? p.disabled_services[svc] ?? service();
  return {
    id: (++ids).toString(16).padStart(64, '0'),
    name: `${p.name}-${svc}-${number}`,
    service: svc,
    number,
    configHash: configHash(s),
    configHashes: configKeyHashes(s),
    status: 'running',
    ...over,
  };
}
