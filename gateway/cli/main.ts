/**
 * `gridbid <command>`: the operator's one command. Every command takes `--help`; errors are
 * printed as one line with their code (`BAD_INPUT: --nodes must be ...`) and exit code 2 for a
 * usage error, 1 for anything else.
 */
import { isGridbidError } from '../../shared/errors.js';
import { type Command, type CommandIo, parseFlags } from './command.js';
import { genesisCommand } from './genesis-command.js';
import { keysCommand } from './keys-command.js';
import { nodeCommand } from './node-command.js';
import { enrollCommand } from './enroll-command.js';
import { statusCommand } from './status-command.js';
import { trusteeCommand } from './trustee-command.js';
import { metersCommand } from './meters-command.js';
import { demoCommand } from '../demo/demo-command.js';

export const commands: readonly Command[] = [
  keysCommand,
  genesisCommand,
  nodeCommand,
  enrollCommand,
  trusteeCommand,
  statusCommand,
  metersCommand,
  demoCommand,
];

function overview(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'gridbid: private electricity trading in a microgrid',
    '',
    'usage: gridbid <command> [flags]     gridbid <command> --help',
    '',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
  ].join('\n');
}

export async function main(argv: readonly string[], io: CommandIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.err(`gridbid: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseFlags(command, rest);
    if (values.help === true) {
      io.out(command.usage);
      return 0;
    }
    return await command.run(values, positionals, io);
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    io.err(`gridbid ${command.name}: ${error.message}`);
    return error.code === 'BAD_INPUT' ? 2 : 1;
  }
}

const defaultIo: CommandIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};
