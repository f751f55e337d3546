/** Command line: --json, --quick, --seed S, --only group[,group...], --help. */
export interface BenchArgs {
  readonly json: boolean;
  readonly quick: boolean;
  readonly seed: string;
  readonly only: readonly string[] | undefined;
  readonly help: boolean;
}

/** A mistake on the command line: reported with its message and the usage, without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const defaultSeed = 'gridbid-bench';

export function parseArgs(argv: readonly string[]): BenchArgs {
  let json = false;
  let quick = false;
  let help = false;
  let seed = defaultSeed;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--json') json = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--seed') seed = value();
    else if (arg.startsWith('--seed=')) seed = arg.slice('--seed='.length);
    else if (arg === '--only') only = [...(only ?? []), ...value().split(',')];
    else if (arg.startsWith('--only=')) only = [...(only ?? []), ...arg.slice('--only='.length).split(',')];
    else throw new UsageError(`unknown argument ${arg}`);
  }
  return { json, quick, seed, only: only?.map((name) => name.trim()).filter((name) => name !== ''), help };
}

export function usage(groups: readonly { name: string; description: string }[]): string {
  return [
    'usage: npm run bench -- [--json] [--quick] [--seed S] [--only group[,group...]]',
    '  --json   one JSON object per figure per line on stdout, nothing else',
    '  --quick  fewer and shorter rounds',
    `  --seed   seed for generated inputs (default ${JSON.stringify(defaultSeed)})`,
    '  --only   run only these groups:',
    ...groups.map((group) => `             ${group.name.padEnd(8)} ${group.description}`),
  ].join('\n');
}
