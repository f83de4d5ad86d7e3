import { Worker } from 'node:worker_threads';
import { listAt, type CallResult, type CallType, type Params, type WorkerResponse } from './workerProtocol';

/**
 * The host's side of the engine worker: typed request/response calls matched by id. The worker
 * starts on the first call. If it dies, every call in flight rejects, `onReset` tells the owner
 * that what the worker held is gone, and the next call starts a fresh worker.
 */
export class EngineClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly script: string, private readonly onReset: () => void = () => undefined) {}

  async call<K extends CallType>(type: K, params: Params<K>): Promise<CallResult<K>> {
    const response = await this.send(type, params);
    // Long lists come part by part, each decoded in a task of its own.
    for (const { path, count } of response.parts ?? []) {
      const list = listAt(response.result, path);
      for (let index = 0; index < count; index++) {
        const items = (await this.send('part', { of: response.id, path, index })).result as unknown[];
        for (const item of items) list?.push(item);
      }
    }
    return response.result as CallResult<K>;
  }

  private send(type: CallType | 'part', params: unknown): Promise<Extract<WorkerResponse, { ok: true }>> {
    const worker = this.start();
    const id = this.nextId++;
    // Held while a call waits for its answer, so a caller awaiting it is not left behind by an exiting process.
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      worker.postMessage({ id, type, params });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (m: WorkerResponse) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p?.resolve(m);
      else p?.reject(new Error(m.error));
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(`the engine worker stopped: ${why}`));
      this.pending.clear();
      this.onReset();
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    // Idle, the worker only holds topologies: it must not keep the process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  dispose(): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('the engine worker was stopped'));
    this.pending.clear();
    void worker?.terminate();
  }
}
