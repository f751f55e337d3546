/**
 * The heights a replica's stored chain lacks, as ascending disjoint ranges: what archive sync
 * still has to fill. Ranges that touch merge. The number of ranges is bounded: past the limit the
 * two closest ones merge, so the set may then also cover heights already held (the fill skips
 * those when it finds them stored).
 */

export interface GapRange {
  /** Heights still open. */
  fromHeight: number;
  toHeight: number;
  /** The range as it was when opened (or last merged), reported when it is filled. */
  openedFrom: number;
  openedTo: number;
}

export class GapSet {
  private ranges: GapRange[] = [];

  constructor(private readonly maxRanges: number) {}

  get count(): number {
    return this.ranges.length;
  }

  /** Heights still open in all ranges. */
  get heights(): number {
    return this.ranges.reduce((sum, range) => sum + range.toHeight - range.fromHeight + 1, 0);
  }

  /** The lowest open range; archive sync fills from the bottom. */
  first(): Readonly<GapRange> | undefined {
    return this.ranges[0];
  }

  list(): readonly Readonly<GapRange>[] {
    return this.ranges;
  }

  /** Opens fromHeight..toHeight; merges with ranges it overlaps or touches. */
  add(fromHeight: number, toHeight: number): void {
    if (toHeight < fromHeight) return;
    let merged: GapRange = { fromHeight, toHeight, openedFrom: fromHeight, openedTo: toHeight };
    const kept: GapRange[] = [];
    for (const range of this.ranges) {
      if (range.toHeight + 1 < merged.fromHeight || merged.toHeight + 1 < range.fromHeight) {
        kept.push(range);
        continue;
      }
      const from = Math.min(range.fromHeight, merged.fromHeight);
      const to = Math.max(range.toHeight, merged.toHeight);
      merged = {
        fromHeight: from,
        toHeight: to,
        openedFrom: Math.min(from, range.openedFrom),
        openedTo: Math.max(to, range.openedTo),
      };
    }
    kept.push(merged);
    kept.sort((a, b) => a.fromHeight - b.fromHeight);
    this.ranges = kept;
    while (this.ranges.length > this.maxRanges) this.mergeClosest();
  }

  /**
   * Marks fromHeight..toHeight as held. Returns the ranges this filled completely, with the
   * bounds they were opened with.
   */
  remove(fromHeight: number, toHeight: number): GapRange[] {
    const filled: GapRange[] = [];
    const kept: GapRange[] = [];
    for (const range of this.ranges) {
      if (range.toHeight < fromHeight || toHeight < range.fromHeight) {
        kept.push(range);
        continue;
      }
      const left = range.fromHeight < fromHeight;
      const right = toHeight < range.toHeight;
      if (left) kept.push({ ...range, toHeight: fromHeight - 1, openedTo: right ? fromHeight - 1 : range.openedTo });
      if (right) kept.push({ ...range, fromHeight: toHeight + 1, openedFrom: left ? toHeight + 1 : range.openedFrom });
      if (!left && !right) filled.push(range);
    }
    this.ranges = kept;
    return filled;
  }

  private mergeClosest(): void {
    let at = 0;
    for (let i = 1; i + 1 < this.ranges.length; i++) {
      const distance = this.ranges[i + 1]!.fromHeight - this.ranges[i]!.toHeight;
      if (distance < this.ranges[at + 1]!.fromHeight - this.ranges[at]!.toHeight) at = i;
    }
    const low = this.ranges[at]!;
    const high = this.ranges[at + 1]!;
    this.ranges.splice(at, 2, {
      fromHeight: low.fromHeight,
      toHeight: high.toHeight,
      openedFrom: low.openedFrom,
      openedTo: high.openedTo,
    });
  }
}
