// Where everything of ours lives on the host (ARCHITECTURE.md "Host objects and names").
// Tests point TSCOMPOSE_ROOT / TSCOMPOSE_RUN at a temp dir, so nothing here is hard-wired.
import { join } from 'node:path';

export function rootDir(): string {
  return process.env.TSCOMPOSE_ROOT ?? '/var/lib/tscompose';
}

export function runDir(): string {
  return process.env.TSCOMPOSE_RUN ?? '/run/tscompose';
}

export const paths = {
  images: () => join(rootDir(), 'images'),
  volumes: () => join(rootDir(), 'volumes'),
  volume: (name: string) => join(rootDir(), 'volumes', name),
  volumeData: (name: string) => join(rootDir(), 'volumes', name, '_data'),
  containers: () => join(rootDir(), 'containers'),
  /** Per-container persistent dir: upper/, work/, merged/, init/, config.json, log, exit.json. */
  container: (id: string) => join(rootDir(), 'containers', id),
  project: (project: string) => join(runDir(), project),
  state: (project: string) => join(runDir(), project, 'state.json'),
  controlSocket: (project: string) => join(runDir(), project, 'control.sock'),
  lock: (project: string) => join(runDir(), project, 'lock'),
  netnsDir: () => join(runDir(), 'netns'),
  /** Bind mount of a container's network namespace, made before the container exists. */
  netns: (id: string) => join(runDir(), 'netns', id),
  networks: () => join(runDir(), 'networks'),
  network: (name: string) => join(runDir(), 'networks', `${name}.json`),
};
