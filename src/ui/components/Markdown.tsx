import type { ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from '../markdown';

/**
 * Markdown (a model card) as React elements; see markdown.ts for what it
 * reads. Headings start at `firstHeading` so a card's "#" does not outrank
 * the page's own headings; relative links resolve against `baseUrl`.
 */
export function Markdown({ source, firstHeading = 4, baseUrl }: { source: string; firstHeading?: number; baseUrl?: string }) {
  return <div className="markdown">{parseMarkdown(source).map((block, i) => renderBlock(block, i, firstHeading, baseUrl))}</div>;
}

function renderBlock(block: Block, key: number, firstHeading: number, baseUrl: string | undefined): ReactNode {
  const inline = (children: Inline[]) => children.map((c, i) => renderInline(c, i, baseUrl));
  switch (block.kind) {
    case 'heading': {
      const level = Math.min(6, firstHeading + block.level - 1);
      const Tag = `h${level}` as 'h4';
      return <Tag key={key}>{inline(block.children)}</Tag>;
    }
    case 'paragraph':
      return <p key={key}>{inline(block.children)}</p>;
    case 'quote':
      return <blockquote key={key}>{inline(block.children)}</blockquote>;
    case 'code':
      return (
        <pre key={key}>
          <code>{block.text}</code>
        </pre>
      );
    case 'list': {
      const items = block.items.map((item, i) => <li key={i}>{inline(item)}</li>);
      return block.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
    case 'table':
      return (
        <div key={key} className="markdown-table">
          <table>
            {block.header.some((cell) => cell.length > 0) && (
              <thead>
                <tr>
                  {block.header.map((cell, i) => (
                    <th key={i} scope="col">
                      {inline(cell)}
                    </th>
                  ))}
                </tr>
              </thead>
            )}
            <tbody>
              {block.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, i) => (
                    <td key={i}>{inline(cell)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

function renderInline(node: Inline, key: number, baseUrl: string | undefined): ReactNode {
  const children = (nodes: Inline[]) => nodes.map((c, i) => renderInline(c, i, baseUrl));
  switch (node.kind) {
    case 'text':
      return node.text;
    case 'code':
      return <code key={key}>{node.text}</code>;
    case 'strong':
      return <strong key={key}>{children(node.children)}</strong>;
    case 'em':
      return <em key={key}>{children(node.children)}</em>;
    case 'link': {
      const href = baseUrl && !node.href.startsWith('#') ? new URL(node.href, new URL(baseUrl, globalThis.location?.href ?? 'http://localhost/')).href : node.href;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer">
          {children(node.children)}
        </a>
      );
    }
  }
}
