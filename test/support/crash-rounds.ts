/**
 * Requests streamed at an authority process that is killed with SIGKILL at seeded moments and
 * started again on the same directory. Every request is resent after each restart (a meter
 * retries what went unanswered, and what was answered is asked again to check the answer), and
 * every answer must equal the first one that request got. The last round is not killed and
 * runs until every request has its answer.
 */
import * as assert from 'uvu/assert';
import type { RandomSource } from '../../shared/crypto/random.js';
import type { AuthorityChild } from './authority-child.js';

export interface Exchange {
  readonly key: string;
  readonly session: string;
  readonly bytes: Uint8Array;
}

export interface CrashPlan {
  readonly random: RandomSource;
  readonly killedRounds: number;
  /** Longest a killed round runs before its kill (drawn uniformly below this). */
  readonly maxRoundMs: number;
  start(round: number): Promise<AuthorityChild>;
  readonly initial: readonly Exchange[];
  /** A request that follows from an answer (an opening after a challenge), if any. */
  followUp(key: string, reply: Uint8Array): Exchange | undefined;
}

const draw = (random: RandomSource, below: number) => new DataView(random(4).buffer).getUint32(0) % Math.max(1, below);

/** The first answer of every request; fails on an answer that differs from an earlier one. */
export async function runCrashRounds(plan: CrashPlan): Promise<Map<string, Uint8Array>> {
  const exchanges = new Map(plan.initial.map((exchange) => [exchange.key, exchange]));
  const answers = new Map<string, Uint8Array>();
  for (let round = 0; round <= plan.killedRounds; round++) {
    const killed = round < plan.killedRounds;
    const child = await plan.start(round);
    const pending: Promise<void>[] = [];
    const send = (exchange: Exchange) => {
      pending.push(
        child.request(exchange.session, exchange.bytes).then((reply) => {
          if (reply === undefined) return;
          const first = answers.get(exchange.key);
          if (first === undefined) answers.set(exchange.key, reply);
          else assert.equal(reply, first, `${exchange.key} answered differently in round ${round}`);
          const next = plan.followUp(exchange.key, reply);
          if (next !== undefined && !exchanges.has(next.key)) {
            exchanges.set(next.key, next);
            send(next);
          }
        }),
      );
    };
    const order = [...exchanges.values()];
    for (let i = order.length - 1; i > 0; i--) {
      const j = draw(plan.random, i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    if (killed) {
      const killAtMs = draw(plan.random, plan.maxRoundMs);
      const sending = (async () => {
        for (const exchange of order) {
          send(exchange);
          if (draw(plan.random, 4) === 0) await new Promise((resolve) => setTimeout(resolve, draw(plan.random, 20)));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, killAtMs));
      await child.kill();
      await sending;
      await Promise.all(pending);
    } else {
      for (const exchange of order) send(exchange);
      // Follow-ups add to `pending` while it is awaited.
      for (let awaited = 0; awaited < pending.length;) {
        const count = pending.length;
        await Promise.all(pending.slice(0, count));
        awaited = count;
      }
      for (const key of exchanges.keys()) assert.ok(answers.has(key), `${key} was answered in the last round`);
      await child.kill();
    }
  }
  return answers;
}
