/** What a run measured on: printed at the top and attached to every JSON figure. */
import { cpus, totalmem } from 'node:os';

export interface RunInfo {
  readonly node: string;
  readonly openssl: string;
  readonly v8: string;
  readonly cpu: string;
  readonly cpuCount: number;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly seed: string;
  readonly quick: boolean;
  readonly groups: readonly string[];
}

export function runInfo(seed: string, quick: boolean, groups: readonly string[]): RunInfo {
  const cores = cpus();
  return {
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    v8: process.versions.v8,
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    memoryBytes: totalmem(),
    platform: `${process.platform}-${process.arch}`,
    seed,
    quick,
    groups,
  };
}

export function describeRun(info: RunInfo): string[] {
  return [
    `gridbid benchmarks  ${new Date().toISOString()}`,
    `node ${info.node} (V8 ${info.v8}), OpenSSL ${info.openssl}, ${info.platform}`,
    `cpu ${info.cpu} x ${info.cpuCount}, memory ${(info.memoryBytes / 2 ** 30).toFixed(1)} GiB`,
    `seed ${JSON.stringify(info.seed)} (inputs are seeded; RSA keys come fresh from OpenSSL), ` +
      `${info.quick ? 'quick' : 'full'} mode, groups: ${info.groups.join(', ')}`,
  ];
}
