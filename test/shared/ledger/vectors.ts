/**
 * Ledger test vectors shared by the Node tests and the portable (XS) cases: the Certificate
 * Transparency reference Merkle roots and audit paths (RFC 6962 trees, which are RFC 9162 trees),
 * and a sample header with its canonical JSON written out by hand.
 */
import { fromHex, toBase64Url } from '../../../shared/bytes.js';
import type { BlockHeader } from '../../../shared/ledger/block.js';

export const ctLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);

/** Root of the first `size` leaves, for size 0 to 8. */
export const ctRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** [0-based index, tree size, audit path]. */
export const ctPaths: [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

export const sampleHeader: BlockHeader = {
  height: 5,
  previousHash: new Uint8Array(32).fill(0x11),
  batchRoot: new Uint8Array(32).fill(0x22),
  batchSize: 3,
  stateRoot: new Uint8Array(32).fill(0x33),
  timeMs: 1_750_000_005_000,
  view: 1,
  sequence: 7,
};

const b64 = (byte: number): string => toBase64Url(new Uint8Array(32).fill(byte));

/** RFC 8785 form of `sampleHeader`, written out field by field in sorted order. */
export const sampleHeaderJson =
  `{"batchRoot":"${b64(0x22)}","batchSize":3,"height":5,"previousHash":"${b64(0x11)}",` +
  `"sequence":7,"stateRoot":"${b64(0x33)}","timeMs":1750000005000,"view":1}`;
