#!/usr/bin/env bash
# The diffusion editor's benchmark on a CUDA GPU: the tables of `npm run bench -- diffusion`, with
# a full-size random-weight UNet (Stable Diffusion 1.5's widths, float16) at 512 px, generated
# here (bench/benchUnet.ts), so it runs offline. onnxruntime-node must already hold its CUDA
# provider (install it while online: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node),
# and the machine the CUDA 12 and cuDNN 9 runtimes. A few minutes on one H100; stopped after 8.
set -euo pipefail
cd "$(dirname "$0")/.."
provider=node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so
if [ ! -f "$provider" ]; then
  echo "No CUDA provider in onnxruntime-node ($provider). While online, run: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node" >&2
  exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
[ -f dist/bench.js ] || npm run build
exec timeout 480 node --expose-gc dist/bench.js diffusion-gpu
