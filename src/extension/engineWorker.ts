import { parentPort } from 'node:worker_threads';
import { createEngineService } from './engineService';
import type { WorkerRequest, WorkerResponse } from './workerProtocol';

/**
 * The engine worker's entry: requests in, one response each, in order. A request that throws
 * answers with its message, so the host's promise rejects instead of waiting forever.
 */
const serve = createEngineService();

parentPort?.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = { id: request.id, ok: true, result: serve(request) };
  } catch (e) {
    response = { id: request.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(response);
});
