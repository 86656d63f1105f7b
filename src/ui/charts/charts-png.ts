/**
 * A PNG of every chart on the page: each chart's SVG is drawn into one
 * canvas, in a grid, on the theme's background.
 */

const CELL_GAP = 16;

async function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  // Computed text colours, so the image reads the same outside the page.
  clone.setAttribute('style', `font-family: system-ui, sans-serif; color: ${getComputedStyle(svg).color}`);
  const text = new XMLSerializer().serializeToString(clone);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await image.decode();
  return image;
}

export async function chartsToPng(container: HTMLElement): Promise<Uint8Array> {
  const figures = [...container.querySelectorAll('figure.chart')];
  const cells = await Promise.all(
    figures.map(async (figure) => {
      const svg = figure.querySelector('svg.recharts-surface') as SVGSVGElement | null;
      const title = figure.querySelector('figcaption')?.textContent ?? '';
      return { title, image: svg ? await svgImage(svg) : null, width: svg?.clientWidth ?? 300, height: svg?.clientHeight ?? 220 };
    }),
  );
  const columns = 2;
  const cellWidth = Math.max(300, ...cells.map((c) => c.width));
  const cellHeight = Math.max(220, ...cells.map((c) => c.height)) + 28;
  const rows = Math.ceil(cells.length / columns);
  const canvas = document.createElement('canvas');
  canvas.width = columns * cellWidth + (columns + 1) * CELL_GAP;
  canvas.height = rows * cellHeight + (rows + 1) * CELL_GAP;
  const context = canvas.getContext('2d')!;
  const styles = getComputedStyle(document.documentElement);
  context.fillStyle = styles.getPropertyValue('--surface').trim() || '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = styles.getPropertyValue('--text').trim() || '#000000';
  context.font = '600 14px system-ui, sans-serif';
  cells.forEach((cell, i) => {
    const x = CELL_GAP + (i % columns) * (cellWidth + CELL_GAP);
    const y = CELL_GAP + Math.floor(i / columns) * (cellHeight + CELL_GAP);
    context.fillText(cell.title, x, y + 16);
    if (cell.image) context.drawImage(cell.image, x, y + 24, cell.width, cell.height);
  });
  const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded'))), 'image/png'));
  return new Uint8Array(await blob.arrayBuffer());
}
