// Worker thread of the permutation pool: computes the chunks it is given and answers once.
// Pure arithmetic only (TypeScript or the WebAssembly kernel), so it always finishes its chunk and
// is never terminated mid-run.
import { parentPort } from 'node:worker_threads';

import { CHUNK_SIZE, sampleNullChunk } from '../measures/nullDistribution';
import type { WorkerReply, WorkerRequest } from './permutationProtocol';

const port = parentPort;
if (port === null) throw new Error('permutationWorker.js must run as a worker thread.');

port.once('message', (request: WorkerRequest) => {
  const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void => {
    port.postMessage(message, transfer);
  };
  try {
    const values = new Float64Array(request.chunks.length * CHUNK_SIZE);
    for (const [i, chunk] of request.chunks.entries()) {
      if (Atomics.load(request.cancel, 0) !== 0) {
        reply({ type: 'permutations/cancelled' });
        return;
      }
      const count = Math.min(CHUNK_SIZE, request.permutations - chunk * CHUNK_SIZE);
      sampleNullChunk(request.prepared, request.seed, chunk, count, values, i * CHUNK_SIZE);
    }
    reply({ type: 'permutations/done', chunks: request.chunks, values }, [values.buffer]);
  } catch (error) {
    reply({
      type: 'permutations/failed',
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
