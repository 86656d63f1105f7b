/**
 * A small Markdown reader for model cards: headings, paragraphs (hard-wrapped
 * lines joined), bullet and numbered lists, pipe tables, fenced code, block
 * quotes, and inline code, bold, italics and links. It returns a plain tree
 * that Markdown.tsx renders as React elements: nothing of the text is ever
 * parsed as HTML, and links keep only http(s), mailto, in-page and relative
 * targets (a `javascript:` link becomes text).
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] };

export type Block =
  | { kind: 'heading'; level: number; children: Inline[] }
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'list'; ordered: boolean; items: Inline[][] }
  | { kind: 'table'; header: Inline[][]; rows: Inline[][][] }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; children: Inline[] };

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const QUOTE = /^\s*>\s?(.*)$/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  const startsBlock = (line: string, next: string | undefined) =>
    FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || NUMBERED.test(line) || QUOTE.test(line) || (line.includes('|') && next !== undefined && TABLE_RULE.test(next));
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = line.match(FENCE);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(fence[1]); i++) body.push(lines[i]);
      i++; // the closing fence (or the end)
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const heading = line.match(HEADING);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1].length, children: parseInline(heading[2]) });
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) {
      const header = tableCells(line);
      const rows: Inline[][][] = [];
      for (i += 2; i < lines.length && lines[i].includes('|') && lines[i].trim() !== ''; i++) rows.push(tableCells(lines[i]));
      blocks.push({ kind: 'table', header, rows });
      continue;
    }
    const ordered = NUMBERED.test(line);
    if (ordered || BULLET.test(line)) {
      const marker = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (i < lines.length && lines[i].trim() !== '') {
        const item = lines[i].match(marker);
        if (item) items.push(item[1]);
        else if (/^\s+\S/.test(lines[i]) && items.length > 0) items[items.length - 1] += ` ${lines[i].trim()}`; // a wrapped item
        else break;
        i++;
      }
      blocks.push({ kind: 'list', ordered, items: items.map(parseInline) });
      continue;
    }
    if (QUOTE.test(line)) {
      const text: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i]); i++) text.push(lines[i].match(QUOTE)![1]);
      blocks.push({ kind: 'quote', children: parseInline(text.join(' ')) });
      continue;
    }
    // A paragraph: its hard-wrapped lines are one line of text.
    const text: string[] = [line.trim()];
    for (i++; i < lines.length && lines[i].trim() !== '' && !startsBlock(lines[i], lines[i + 1]); i++) text.push(lines[i].trim());
    blocks.push({ kind: 'paragraph', children: parseInline(text.join(' ')) });
  }
  return blocks;
}

function tableCells(line: string): Inline[][] {
  const trimmed = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => parseInline(cell.trim().replace(/\\\|/g, '|')));
}

/** Inline code first (its content is literal), then links, bold and italics. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  const pattern = /`([^`]+)`|\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)|\*\*(.+?)\*\*|__(.+?)__|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)/;
  while (rest.length > 0) {
    const match = rest.match(pattern);
    if (!match || match.index === undefined) {
      pushText(out, rest);
      break;
    }
    pushText(out, rest.slice(0, match.index));
    const [whole, code, linkText, href, strong1, strong2, em1, em2] = match;
    if (code !== undefined) out.push({ kind: 'code', text: code });
    else if (linkText !== undefined) {
      const safe = safeHref(href);
      if (safe) out.push({ kind: 'link', href: safe, children: parseInline(linkText) });
      else pushText(out, linkText);
    } else if (strong1 !== undefined || strong2 !== undefined) out.push({ kind: 'strong', children: parseInline(strong1 ?? strong2) });
    else out.push({ kind: 'em', children: parseInline(em1 ?? em2) });
    rest = rest.slice(match.index + whole.length);
  }
  return out;
}

function pushText(out: Inline[], text: string): void {
  if (text === '') return;
  const last = out[out.length - 1];
  if (last?.kind === 'text') last.text += text;
  else out.push({ kind: 'text', text });
}

/** The link target if it is one a model card may point to, else null. */
export function safeHref(href: string): string | null {
  // Browsers drop control characters and spaces inside a URL ("java\u0001script:" is javascript:): so does this check.
  const compact = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (compact === '') return null;
  const scheme = compact.match(/^([a-z][a-z0-9+.-]*):/i)?.[1].toLowerCase();
  if (scheme === undefined) return /^[a-z0-9+.-]*:/i.test(compact) ? null : compact; // relative or in-page
  return scheme === 'http' || scheme === 'https' || scheme === 'mailto' ? compact : null;
}
