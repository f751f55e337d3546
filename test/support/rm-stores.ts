/**
 * RM's behaviour tests run once per RmStore implementation: `acrossRmStores(test)` registers
 * each test once per store kind (named `... [memory]`, `... [level]`), and while one runs,
 * `newRmStore()` (the default store of `makeRm`) makes stores of that kind. Level stores live
 * in fresh temporary directories that are closed and removed when the test ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import { LevelRmStore } from '../../gateway/authorities/rm/level-rm-store.js';
import { MemoryRmStore } from '../../gateway/authorities/rm/memory-rm-store.js';
import type { RmStore } from '../../gateway/authorities/rm/rm-store.js';

export type RmStoreKind = 'memory' | 'level';
export const rmStoreKinds: readonly RmStoreKind[] = ['memory', 'level'];

let active: RmStoreKind = 'memory';
const opened: { store: LevelRmStore; directory: string }[] = [];

/** A fresh, empty store of the kind the running test is for (memory outside `acrossRmStores`). */
export function newRmStore(): RmStore {
  if (active === 'memory') return new MemoryRmStore();
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-rm-'));
  const store = LevelRmStore.opening(directory);
  opened.push({ store, directory });
  return store;
}

async function closeOpened(): Promise<void> {
  for (const { store, directory } of opened.splice(0)) {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

type Body = () => unknown | Promise<unknown>;

/** `test` with each registration repeated per store kind; `run` runs them all. */
export function acrossRmStores(test: Test): ((name: string, body: Body) => void) & { run(): void } {
  const register = (name: string, body: Body) => {
    for (const kind of rmStoreKinds) {
      test(`${name} [${kind}]`, async () => {
        active = kind;
        try {
          await body();
        } finally {
          active = 'memory';
          await closeOpened();
        }
      });
    }
  };
  return Object.assign(register, { run: () => test.run() });
}
