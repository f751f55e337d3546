/**
 * gridbid benchmarks: `npm run bench -- [--json] [--quick] [--seed S] [--only group,...]`.
 * People get a table on stdout; with --json, stdout carries one JSON object per figure per line
 * and everything else (run description, notes, progress) goes to stderr.
 */
import { UsageError, parseArgs, usage } from './args.js';
import type { Figure, Group } from './figures.js';
import { blindGroup } from './groups/blind.js';
import { consensusGroup } from './groups/consensus.js';
import { ecdsaGroup } from './groups/ecdsa.js';
import { gatewayGroup } from './groups/gateway.js';
import { issuanceGroup } from './groups/issuance.js';
import { ledgerAppGroup } from './groups/ledger-app.js';
import { marketGroup } from './groups/market.js';
import { metersGroup } from './groups/meters.js';
import { oaepGroup } from './groups/oaep.js';
import { table3Group } from './groups/table3.js';
import { tracingGroup } from './groups/tracing.js';
import { xsGroup } from './groups/xs.js';
import { jsonLine, tableHeader, tableRow } from './report.js';
import { describeRun, runInfo } from './run-info.js';
import { fullPlan, quickPlan } from './timing.js';

/** In run order; xs stays last (it locks down this process's intrinsics). */
const groups: readonly Group[] = [
  ecdsaGroup,
  blindGroup,
  oaepGroup,
  table3Group,
  issuanceGroup,
  tracingGroup,
  marketGroup,
  consensusGroup,
  ledgerAppGroup,
  metersGroup,
  xsGroup,
  gatewayGroup,
];

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(usage(groups) + '\n');
    return 0;
  }
  const unknown = (args.only ?? []).filter((name) => !groups.some((group) => group.name === name));
  if (unknown.length > 0)
    throw new UsageError(`unknown group ${unknown.join(', ')}; groups: ${groups.map((g) => g.name).join(', ')}`);
  const selected = groups.filter((group) => args.only === undefined || args.only.includes(group.name));

  const info = runInfo(
    args.seed,
    args.quick,
    selected.map((group) => group.name),
  );
  const human = (line: string): void => void (args.json ? process.stderr : process.stdout).write(line + '\n');
  for (const line of describeRun(info)) human(line);

  const figures: Figure[] = [];
  const emit = (figure: Figure): void => {
    figures.push(figure);
    if (args.json) process.stdout.write(jsonLine(figure, info) + '\n');
    else human(tableRow(figure));
  };
  const startMs = performance.now();
  for (const group of selected) {
    human('');
    human(`[${group.name}] ${group.description}`);
    if (!args.json) human(tableHeader());
    const groupStartMs = performance.now();
    await group.run({ seed: args.seed, quick: args.quick, plan: args.quick ? quickPlan : fullPlan, emit, note: human });
    human(`[${group.name}] done in ${((performance.now() - groupStartMs) / 1000).toFixed(1)} s`);
  }
  human('');
  human(
    `${figures.length} figures in ${((performance.now() - startMs) / 1000).toFixed(1)} s` +
      ' (ms/op: median of rounds; ratio: reference ms/op / ours)',
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage(groups)}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
