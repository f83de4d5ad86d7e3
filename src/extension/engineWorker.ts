import { parentPort } from 'node:worker_threads';
import { createEngineService } from './engineService';
import { listAt, partedLists, partSize, type CallRequest, type WorkerRequest, type WorkerResponse } from './workerProtocol';

/**
 * The engine worker's entry: requests in, one response each, in order. A request that throws
 * answers with its message, so the host's promise rejects instead of waiting forever.
 */
const serve = createEngineService();
/** Parts of long lists not yet fetched, by request id and path. */
const held = new Map<string, unknown[]>();

parentPort?.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = request.type === 'part' ? { id: request.id, ok: true, result: takePart(request.params) } : answer(request);
  } catch (e) {
    response = { id: request.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(response);
});

/** The result, its long lists emptied and kept here for the host to fetch part by part. */
function answer(request: CallRequest): WorkerResponse {
  const result = serve(request);
  const parts: { path: string; count: number }[] = [];
  for (const path of partedLists[request.type] ?? []) {
    const list = listAt(result, path);
    if (!list || list.length <= partSize) continue;
    held.set(`${request.id}:${path}`, list.splice(0));
    parts.push({ path, count: Math.ceil((held.get(`${request.id}:${path}`)?.length ?? 0) / partSize) });
  }
  return parts.length > 0 ? { id: request.id, ok: true, result, parts } : { id: request.id, ok: true, result };
}

function takePart({ of, path, index }: { of: number; path: string; index: number }): unknown[] {
  const key = `${of}:${path}`;
  const list = held.get(key);
  if (!list) throw new Error(`no parts kept for request ${of} ${path}`);
  const items = list.slice(index * partSize, (index + 1) * partSize);
  // Parts are fetched in order: the last one frees the list.
  if ((index + 1) * partSize >= list.length) held.delete(key);
  return items;
}
