// A minimal normalized Project for watch tests: only what watch reads.
import type { Project, Service, WatchRule } from '../../../schema/model.ts';

export function service(watch: WatchRule[], extra: Partial<Service> = {}): Service {
  return { environment: {}, labels: {}, depends_on: {}, develop: { watch }, ...extra };
}

export function project(dir: string, services: Record<string, Service>, files: string[] = []): Project {
  return {
    name: 'p', working_dir: dir, services, disabled_services: {}, networks: {}, volumes: {}, secrets: {}, configs: {},
    extensions: {}, origins: new Map(), files,
  };
}
