/**
 * The cluster-map grid as one image, for `npm run analyze -- --maps` and the
 * app's PNG export: the input image, then the r maps, on two rows (frozen W's
 * outputs above, the adapted module's below), on white with a gap.
 */
import type { ClusterMapGrid } from './capture';

export interface RgbaPicture {
  width: number;
  height: number;
  /** width · height · 4 bytes. */
  data: Uint8ClampedArray;
}

const GAP = 4;

/** (r + 1) tiles per row, two rows: [image, before maps…] and [image, after maps…]. */
export function clusterGridPicture(grid: Pick<ClusterMapGrid, 'image' | 'before' | 'after' | 'width' | 'height'>): RgbaPicture {
  const rows = [[grid.image, ...grid.before], [grid.image, ...grid.after]];
  return tilePicture(rows, grid.width, grid.height);
}

/** Tiles of one size laid out row by row with a white gap between and around them. */
export function tilePicture(rows: Uint8ClampedArray[][], tileWidth: number, tileHeight: number): RgbaPicture {
  const columns = Math.max(...rows.map((r) => r.length));
  const width = columns * tileWidth + (columns + 1) * GAP;
  const height = rows.length * tileHeight + (rows.length + 1) * GAP;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  rows.forEach((row, i) => {
    row.forEach((tile, j) => {
      if (tile.length !== tileWidth * tileHeight * 4) throw new Error(`tile ${i},${j} is not ${tileWidth} × ${tileHeight} RGBA`);
      const x0 = GAP + j * (tileWidth + GAP);
      const y0 = GAP + i * (tileHeight + GAP);
      for (let y = 0; y < tileHeight; y++) {
        data.set(tile.subarray(y * tileWidth * 4, (y + 1) * tileWidth * 4), ((y0 + y) * width + x0) * 4);
      }
    });
  });
  return { width, height, data };
}
