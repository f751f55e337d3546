/**
 * `gridbid node --config <file>`: runs one gateway node until SIGTERM or SIGINT, then stops it
 * cleanly (retained status "offline", storage closed) and exits 0; a failed write exits 1.
 * Logs are JSON lines on stdout (pino).
 */
import { readNodeConfig } from '../grid/node-config.js';
import { GatewayNode } from '../node/gateway-node.js';
import { pinoLog } from '../node/node-log.js';
import { type Command, stringFlag } from './command.js';

export const nodeCommand: Command = {
  name: 'node',
  summary: 'run one gateway node: replica, MQTT broker, authorities, ledger feed',
  usage: `gridbid node --config <file> [--log-level info]
  --config <file>     the node's config (written by gridbid genesis into <grid>/nodes/)
  --log-level <lvl>   trace, debug, info, warn or error (default info)`,
  flags: { config: { type: 'string' }, 'log-level': { type: 'string' } },
  async run(values) {
    const config = readNodeConfig(stringFlag(values, 'config'));
    const log = pinoLog({ node: config.index, level: stringFlag(values, 'log-level', 'info') });
    let fatal = false;
    const node = await GatewayNode.start({
      config,
      log,
      onFatal: () => {
        fatal = true;
        process.kill(process.pid, 'SIGTERM');
      },
    });
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await node.stop();
    return fatal ? 1 : 0;
  },
};
