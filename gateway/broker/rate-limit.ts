/**
 * Publish allowances of client sessions: token buckets for messages and for bytes (topic and
 * payload) per second, each with a burst, and the payload cap `limits.maxPayloadBytes`. Time is
 * passed in; nothing here reads a clock.
 *
 * What happens to a publish over the allowance. In aedes (lib/handlers/publish.js) an error
 * from `authorizePublish` ends the connection, and MQTT 3.1.1 has no reason code to send
 * instead (MQTT-3.3.5-2). Disconnecting a meter for a burst would hurt an honest device (its
 * firmware reconnects, logs in again and resends, which costs more than the message), so the
 * verdict is graded:
 *
 *   accept      within both buckets and the cap
 *   drop        over the allowance, or over the cap: the broker authorizes the packet but routes
 *               it to a topic nobody may subscribe to, without retain, so a QoS 1 or 2 sender
 *               gets its acknowledgement and does not retransmit; the drop is counted
 *   disconnect  the session keeps flooding: its drops have emptied a third bucket (burst
 *               `floodDropMessages`, refilling at the message rate), so it is sending well over
 *               twice its rate for a sustained time; only then is the connection closed
 *
 * One session's flood costs the broker a parse and a bucket check per packet, and never takes
 * tokens from another session: honest sessions keep their own allowance.
 */
import { limits } from '../../shared/limits.js';

export interface RateLimits {
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
  readonly floodDropMessages: number;
  readonly maxPayloadBytes: number;
}

export const defaultRateLimits: RateLimits = {
  messagesPerSecond: limits.brokerMessagesPerSecond,
  messageBurst: limits.brokerMessageBurst,
  bytesPerSecond: limits.brokerBytesPerSecond,
  byteBurst: limits.brokerByteBurst,
  floodDropMessages: limits.brokerFloodDropMessages,
  maxPayloadBytes: limits.maxPayloadBytes,
};

/** A bucket of `burst` tokens refilling at `perSecond`, starting full. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** The tokens available at `nowMs` (a clock going backwards refills nothing). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Takes `amount` tokens if there are that many; false (and takes none) otherwise. */
  take(amount: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (amount > this.tokens) return false;
    this.tokens -= amount;
    return true;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.perSecond) / 1000);
      this.lastMs = nowMs;
    }
  }
}

export type PublishVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop'; readonly reason: 'rate' | 'size' }
  | { readonly kind: 'disconnect' };

const accept: PublishVerdict = { kind: 'accept' };

/** The allowance of one session. */
export class SessionRateLimiter {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly drops: TokenBucket;

  constructor(
    private readonly config: RateLimits,
    nowMs: number,
  ) {
    this.messages = new TokenBucket(config.messagesPerSecond, config.messageBurst, nowMs);
    this.bytes = new TokenBucket(config.bytesPerSecond, config.byteBurst, nowMs);
    this.drops = new TokenBucket(config.messagesPerSecond, config.floodDropMessages, nowMs);
  }

  /** The verdict on one publish of `topicBytes + payloadBytes`; an accepted one uses up its tokens. */
  admit(topicBytes: number, payloadBytes: number, nowMs: number): PublishVerdict {
    const size = topicBytes + payloadBytes;
    if (payloadBytes > this.config.maxPayloadBytes) return this.dropped('size', nowMs);
    if (this.messages.available(nowMs) < 1 || this.bytes.available(nowMs) < size) return this.dropped('rate', nowMs);
    this.messages.take(1, nowMs);
    this.bytes.take(size, nowMs);
    return accept;
  }

  private dropped(reason: 'rate' | 'size', nowMs: number): PublishVerdict {
    return this.drops.take(1, nowMs) ? { kind: 'drop', reason } : { kind: 'disconnect' };
  }
}
