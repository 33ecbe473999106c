// Placeholder while the engine lands: a clear error, never a half build.
import type { BuildRequest, BuildResult } from './build.ts';
import { BuildError } from './errors.ts';

export async function runBuild(req: BuildRequest): Promise<BuildResult> {
  throw new BuildError('BUILD_UNSUPPORTED', req.dockerfile ?? 'Dockerfile', 0, 'image builds are not available yet');
}
