/**
 * A PNG of every chart on the page: each chart's SVG is drawn into one
 * canvas, in a grid, on the theme's background, under one legend of the
 * runs' colours (the charts' own legends are HTML, not part of their SVG).
 */

const CELL_GAP = 16;

async function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  // Colours set by the page's stylesheet (theme variables) do not travel with the SVG: inline them.
  const originals = svg.querySelectorAll('text, line, path');
  clone.querySelectorAll('text, line, path').forEach((element, i) => {
    const style = getComputedStyle(originals[i]);
    element.setAttribute('fill', style.fill);
    element.setAttribute('stroke', style.stroke);
  });
  // Computed text colours, so the image reads the same outside the page.
  clone.setAttribute('style', `font-family: system-ui, sans-serif; color: ${getComputedStyle(svg).color}`);
  const text = new XMLSerializer().serializeToString(clone);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await image.decode();
  return image;
}

export interface LegendEntry {
  name: string;
  color: string;
}

const LEGEND_HEIGHT = 28;

export async function chartsToPng(container: HTMLElement, legend: LegendEntry[]): Promise<Uint8Array> {
  const figures = [...container.querySelectorAll('figure.chart')];
  const cells = await Promise.all(
    figures.map(async (figure) => {
      // The chart's own surface, not a legend icon (which is also an svg.recharts-surface).
      const svg = figure.querySelector('.recharts-wrapper > svg.recharts-surface') as SVGSVGElement | null;
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
  canvas.height = LEGEND_HEIGHT + rows * cellHeight + (rows + 1) * CELL_GAP;
  const context = canvas.getContext('2d')!;
  const styles = getComputedStyle(document.documentElement);
  context.fillStyle = styles.getPropertyValue('--surface').trim() || '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = styles.getPropertyValue('--text').trim() || '#000000';
  drawLegend(context, legend, styles.getPropertyValue('--text').trim() || '#000000');
  context.font = '600 14px system-ui, sans-serif';
  cells.forEach((cell, i) => {
    const x = CELL_GAP + (i % columns) * (cellWidth + CELL_GAP);
    const y = LEGEND_HEIGHT + CELL_GAP + Math.floor(i / columns) * (cellHeight + CELL_GAP);
    context.fillText(cell.title, x, y + 16);
    if (cell.image) context.drawImage(cell.image, x, y + 24, cell.width, cell.height);
  });
  const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded'))), 'image/png'));
  return new Uint8Array(await blob.arrayBuffer());
}

function drawLegend(context: CanvasRenderingContext2D, legend: LegendEntry[], textColor: string): void {
  context.font = '13px system-ui, sans-serif';
  let x = CELL_GAP;
  for (const entry of legend) {
    context.fillStyle = entry.color;
    context.fillRect(x, CELL_GAP + 4, 12, 12);
    context.fillStyle = textColor;
    context.fillText(entry.name, x + 18, CELL_GAP + 15);
    x += 18 + context.measureText(entry.name).width + 24;
  }
}
