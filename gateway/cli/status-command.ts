/**
 * `gridbid status`: what a grid's gateways say about themselves (their retained status), the
 * chain head and the periods, read from one gateway's public topics as any monitor could.
 */
import { join } from 'node:path';
import { type Command, integerFlag, stringFlag } from './command.js';
import { openGatewaySession } from './gateway-session.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'the gateways, the chain head and the trading periods, from the public topics',
  usage: `gridbid status [--grid <dir>] [--node <i>] [--account <file>]
  --grid <dir>       the grid directory (default .)
  --node <i>         the gateway to ask (default 0)
  --account <file>   service account (default <grid>/keys/service-monitor.json)`,
  flags: { grid: { type: 'string' }, node: { type: 'string' }, account: { type: 'string' } },
  async run(values, _positionals, io) {
    const grid = stringFlag(values, 'grid', '.');
    const session = await openGatewaySession({
      gridDirectory: grid,
      node: integerFlag(values, 'node', 0, 0, 1_000),
      accountFile: stringFlag(values, 'account', join(grid, 'keys', 'service-monitor.json')),
    });
    try {
      const { topics, rules } = session;
      io.out(`grid ${rules.genesis.gridId} via ${session.url}`);
      io.out(
        `${'node'.padEnd(5)} ${'state'.padEnd(8)} ${'view'.padEnd(5)} ${'role'.padEnd(8)} ${'height'.padEnd(7)} meters`,
      );
      const replicas = rules.genesis.replicaPublicKeys.length;
      for (let index = 0; index < replicas; index++) {
        const text = await session.retained(topics.nodeStatus(index), 500);
        if (text === undefined) {
          io.out(`${String(index).padEnd(5)} unknown (no status on this gateway)`);
          continue;
        }
        const status = JSON.parse(text) as {
          state: string;
          view: number;
          primary: boolean;
          height: number;
          sessions: Record<string, number>;
        };
        const meters = (status.sessions.meter ?? 0) + (status.sessions.pseudonym ?? 0);
        io.out(
          `${String(index).padEnd(5)} ${status.state.padEnd(8)} ${String(status.view).padEnd(5)} ${(status.primary ? 'primary' : 'backup').padEnd(8)} ${String(status.height).padEnd(7)} ${meters}`,
        );
      }
      const head = await session.retained(topics.chainHead(), 1_000);
      if (head !== undefined) {
        const parsed = JSON.parse(head) as { height: number; timeMs: number; signers: number[] };
        io.out(
          `chain head: height ${parsed.height} at ${new Date(parsed.timeMs).toISOString()}, signed by replicas ${parsed.signers.join(', ')}`,
        );
      }
      const periods = await session.retained(topics.periods(), 1_000);
      if (periods !== undefined) {
        const parsed = JSON.parse(periods) as {
          trading: { periodIndex: number; gateClosureMs: number }[];
          delivering: number[];
        };
        for (const period of parsed.trading) {
          io.out(`period ${period.periodIndex}: trading, gate closes ${new Date(period.gateClosureMs).toISOString()}`);
        }
        if (parsed.delivering.length > 0) io.out(`awaiting delivery check: ${parsed.delivering.join(', ')}`);
      }
      return 0;
    } finally {
      await session.close();
    }
  },
};
