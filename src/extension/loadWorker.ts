import { parentPort } from 'node:worker_threads';
import { noIncludes } from '../engine/model/host';
import { load } from './engine';
import { fsHost } from './fsHost';

/** Loads large topologies off the extension host's event loop: text in, `{ value, diagnostics }` out. */
export interface LoadJob {
  readonly id: number;
  readonly path: string;
  readonly text: string;
  readonly onDisk: boolean;
}

parentPort?.on('message', (job: LoadJob) => {
  const result = load(job.path, job.text, job.onDisk ? fsHost : noIncludes);
  parentPort?.postMessage({ id: job.id, result });
});
