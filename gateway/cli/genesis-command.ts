/**
 * `gridbid genesis`: writes a whole grid in one directory (make-grid.ts): keys for every party,
 * the trustees' key generation run here (for a demo grid; a real grid's trustees run it each on
 * their own host), the genesis document, the cluster file and one config per gateway node.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { makeGrid } from '../grid/make-grid.js';
import { GridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { isTopicLevel } from '../../shared/protocol/topics.js';
import { type Command, integerFlag, stringFlag } from './command.js';

export const genesisCommand: Command = {
  name: 'genesis',
  summary: "write a grid: keys, trustees' key generation, genesis, cluster and node configs",
  usage: `gridbid genesis --dir <dir> --grid <id> [flags]
  --dir <dir>              where to write the grid (must be empty or missing)
  --grid <id>              the grid id (letters, digits, ".", "_", "-", ":")
  --nodes <n>              gateway nodes, 3f + 1 (default 4)
  --trustees <n>           trustees holding the tracing key (default 5)
  --threshold <t>          trustees needed to trace (default 3)
  --operators <n>          operator keys (default 1)
  --host <host>            address every node listens on (default 127.0.0.1)
  --replica-port <port>    node i's replica port is this + i (default 7100)
  --mqtt-port <port>       node i's MQTT port is this + i (default 1883)
  --ws-port <port>         node i's MQTT WebSocket port is this + i (default 8083)
  --metrics-port <port>    node i serves Prometheus /metrics on this + i (default 9100)
  --period-minutes <m>     delivery period length (default 15)
  --time-scale <x>         the grid's clock runs x times as fast as the wall clock (demos and
                           tests only; default 1)
  --mode <continuous|call> market mode (default continuous)
  --approve-enrolments     nodes approve every enrolment on their own (demos only)
  --trace <kind>           trustees approve every dispute of this kind on their own (demos only;
                           non-delivery or non-payment; repeatable)`,
  flags: {
    dir: { type: 'string' },
    grid: { type: 'string' },
    nodes: { type: 'string' },
    trustees: { type: 'string' },
    threshold: { type: 'string' },
    operators: { type: 'string' },
    host: { type: 'string' },
    'replica-port': { type: 'string' },
    'mqtt-port': { type: 'string' },
    'ws-port': { type: 'string' },
    'metrics-port': { type: 'string' },
    'period-minutes': { type: 'string' },
    'time-scale': { type: 'string' },
    mode: { type: 'string' },
    'approve-enrolments': { type: 'boolean' },
    trace: { type: 'string', multiple: true },
  },
  async run(values, _positionals, io) {
    const directory = stringFlag(values, 'dir');
    if (existsSync(directory) && readdirSync(directory).length > 0) {
      throw new GridbidError('BAD_INPUT', `${directory} is not empty: a grid is written into a new directory`, 'dir');
    }
    const gridId = stringFlag(values, 'grid');
    if (!isTopicLevel(gridId) || gridId.length > limits.maxIdChars - 3) {
      throw new GridbidError(
        'BAD_INPUT',
        `--grid must be 1 to ${limits.maxIdChars - 3} letters, digits, ".", "_", "-" or ":", not ${JSON.stringify(gridId)}`,
        'grid',
      );
    }
    const mode = stringFlag(values, 'mode', 'continuous');
    if (mode !== 'continuous' && mode !== 'call')
      throw new GridbidError('BAD_INPUT', '--mode is continuous or call', 'mode');
    const traces = (values.trace as string[] | undefined) ?? [];
    for (const kind of traces) {
      if (kind !== 'non-delivery' && kind !== 'non-payment') {
        throw new GridbidError('BAD_INPUT', `--trace takes non-delivery or non-payment, not ${kind}`, 'trace');
      }
    }
    const periodMinutes = integerFlag(
      values,
      'period-minutes',
      15,
      limits.minPeriodMs / 60_000,
      limits.maxPeriodMs / 60_000,
    );
    const timeScale = integerFlag(values, 'time-scale', 1, 1, limits.maxTimeScale);
    const started = performance.now();
    const made = makeGrid(createNodeCryptoProvider(), {
      directory,
      gridId,
      nodes: integerFlag(values, 'nodes', 4, 4, limits.maxReplicas),
      trustees: integerFlag(values, 'trustees', 5, limits.minTrustees, limits.maxTrustees),
      threshold: integerFlag(values, 'threshold', 3, limits.minTrustees, limits.maxTrustees),
      operators: integerFlag(values, 'operators', 1, 1, limits.maxOperators),
      host: stringFlag(values, 'host', '127.0.0.1'),
      replicaBasePort: integerFlag(values, 'replica-port', 7100, 1, 65_000),
      mqttBasePort: integerFlag(values, 'mqtt-port', 1883, 1, 65_000),
      wsBasePort: integerFlag(values, 'ws-port', 8083, 1, 65_000),
      metricsBasePort: integerFlag(values, 'metrics-port', 9100, 1, 65_000),
      genesisTimeMs: Date.now(),
      rules: {
        marketMode: mode,
        periodMs: periodMinutes * 60_000,
        gateClosureLeadMs: Math.floor((periodMinutes * 60_000) / 3),
        deliveryReportWindowMs: periodMinutes * 60_000,
        ...(timeScale === 1 ? {} : { timeScale }),
      },
      approveEnrolments: values['approve-enrolments'] === true,
      approveDisputes: traces as ('non-delivery' | 'non-payment')[],
      onProgress: (line) => io.out(`  ${line}`),
    });
    io.out(
      `grid ${made.genesis.gridId} written to ${directory} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const file of made.nodeConfigFiles) io.out(`  start a node: gridbid node --config ${file}`);
    io.out(`  keys in ${directory}/keys are secret: keep them off version control`);
    return 0;
  },
};
