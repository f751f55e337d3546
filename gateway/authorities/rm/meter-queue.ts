/**
 * One meter's requests to RM run one after another, in arrival order: a request reads the
 * meter's records, decides and writes before the next one reads. Without it two racing commits
 * for the same period could both find no session and both get a challenge. Different meters run
 * concurrently. At most `limits.maxQueuedRmRequestsPerMeter` wait per meter; more are refused.
 */
import { ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';

interface Lane {
  tail: Promise<void>;
  waiting: number;
}

export class MeterQueue {
  private readonly lanes = new Map<string, Lane>();

  /** True when `run(key, ...)` would be refused now. */
  isFull(key: string, maxWaiting: number = limits.maxQueuedRmRequestsPerMeter): boolean {
    return (this.lanes.get(key)?.waiting ?? 0) >= maxWaiting;
  }

  /** `maxWaiting` is one meter's bound unless the lane is shared (the enrolment lane). */
  run<T>(key: string, work: () => Promise<T>, maxWaiting: number = limits.maxQueuedRmRequestsPerMeter): Promise<T> {
    ensure(!this.isFull(key, maxWaiting), 'QUEUE_FULL', 'too many requests are waiting here; resend later');
    const lane = this.lanes.get(key) ?? { tail: Promise.resolve(), waiting: 0 };
    lane.waiting++;
    this.lanes.set(key, lane);
    const result = lane.tail.then(work);
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    lane.tail = done;
    void done.then(() => {
      lane.waiting--;
      if (lane.waiting === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
    });
    return result;
  }
}
