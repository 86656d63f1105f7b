import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from '../../src/ui/components/Markdown';
import { parseMarkdown, safeHref } from '../../src/ui/markdown';

const CARD = `# vit-tiny

A small Vision Transformer
trained from random initialisation on **Fashion-MNIST**, see
[the notes](docs/pretraining.md).

## Results

| metric | value |
| --- | --- |
| test accuracy | **84.01%** |
| loss \\| nats | 0.4275 |

- one item
  wrapped
- \`code\` item

1. first
2. second

\`\`\`sh
npm run make-model -- vit
\`\`\`
`;

describe('model cards as Markdown', () => {
  it('reads headings, joins hard-wrapped lines into paragraphs, and reads tables, lists and code', () => {
    const blocks = parseMarkdown(CARD);
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'heading', 'table', 'list', 'list', 'code']);
    const html = renderToStaticMarkup(<Markdown source={CARD} baseUrl="http://localhost/models/vit-tiny/" />);
    expect(html).toContain('<h4>vit-tiny</h4>');
    expect(html).toContain('<h5>Results</h5>');
    expect(html).toContain('<p>A small Vision Transformer trained from random initialisation on <strong>Fashion-MNIST</strong>, see <a href="http://localhost/models/vit-tiny/docs/pretraining.md"');
    expect(html).toContain('<th scope="col">metric</th>');
    expect(html).toContain('<td>loss | nats</td>');
    expect(html).toContain('<li>one item wrapped</li>');
    expect(html).toContain('<li><code>code</code> item</li>');
    expect(html).toContain('<ol><li>first</li><li>second</li></ol>');
    expect(html).toContain('<pre><code>npm run make-model -- vit</code></pre>');
  });

  it('never turns the text into HTML, and drops links that could run script', () => {
    const html = renderToStaticMarkup(<Markdown source={'<img src=x onerror=alert(1)> [click](javascript:alert(1)) [x](java\u0001script:alert(1)) [ok](https://huggingface.co)'} />);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/href="[^"]*script/i);
    expect(html).toContain('click');
    expect(html).toContain('href="https://huggingface.co"');
    expect(safeHref('data:text/html,hi')).toBeNull();
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(safeHref('#results')).toBe('#results');
  });
});
