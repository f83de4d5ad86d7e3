import { parentPort } from 'node:worker_threads';
import { noIncludes } from '../engine/model/host';
import { createIncrementalLoader, type IncrementalLoader } from '../engine/model/incremental';
import { withDataplaneDiagnostics } from '../engine/dataplane/diagnose';
import { fsHost } from './fsHost';

/** Loads large topologies off the extension host's event loop: text in, `{ value, diagnostics }` out. */
export interface LoadJob {
  readonly id: number;
  readonly path: string;
  readonly text: string;
  readonly onDisk: boolean;
}

/** One incremental loader per file and host: an edit inside one pod patches the last topology instead of reloading it. */
const loaders = new Map<string, IncrementalLoader>();

parentPort?.on('message', (job: LoadJob) => {
  const key = `${job.onDisk ? 'disk' : 'memory'}:${job.path}`;
  let loader = loaders.get(key);
  if (!loader) loaders.set(key, (loader = createIncrementalLoader(job.onDisk ? fsHost : noIncludes)));
  const result = withDataplaneDiagnostics(loader.update({ path: job.path, text: job.text }));
  parentPort?.postMessage({ id: job.id, result });
});
