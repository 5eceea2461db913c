// Where ONNX models may run: the one list behind the CLI's --provider, the setting
// propsweep.executionProvider (package.json repeats it; a unit test keeps the two equal), the
// inference child's requests and the models' fallback.

/** The execution providers propsweep offers, the default (the CPU, which always works) first. */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;

/** What the user asked for: a provider to try first, with the CPU as the fallback. */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** Whether `value` names an execution provider. */
export function isExecutionProvider(value: unknown): value is ExecutionProvider {
  return (EXECUTION_PROVIDERS as readonly unknown[]).includes(value);
}
