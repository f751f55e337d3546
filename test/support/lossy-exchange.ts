/**
 * An in-memory request/response exchange that loses requests or replies on a seeded schedule,
 * like QoS 0 MQTT without reconnect: it is what makes the drivers' retries and the authorities'
 * idempotence observable in tests.
 */
import type { Exchange } from '../../firmware/core/pseudonym/obtain-pseudonym.js';
import type { RandomSource } from '../../shared/crypto/random.js';

export interface LossStats {
  requests: number;
  lostRequests: number;
  lostReplies: number;
}

export function lossyExchange(
  handler: (request: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  random: RandomSource,
  lossPercent: number,
): { exchange: Exchange; stats: LossStats } {
  const stats: LossStats = { requests: 0, lostRequests: 0, lostReplies: 0 };
  const lost = () => random(1)[0]! % 100 < lossPercent;
  const exchange: Exchange = async (request) => {
    stats.requests++;
    if (lost()) {
      stats.lostRequests++;
      return undefined;
    }
    const reply = await handler(request.slice());
    if (lost()) {
      stats.lostReplies++;
      return undefined;
    }
    return reply;
  };
  return { exchange, stats };
}
